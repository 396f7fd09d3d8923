function ConvertFrom-VaultBase64 {
    <#
    .SYNOPSIS
    Decodes a base64 member of psvault's json-base64 output to a string.

    .DESCRIPTION
    psvault writes text members as base64 of their UTF-8 bytes, so that
    ConvertFrom-Json never sees the text itself and cannot turn a value
    such as 2024-01-31T08:00:00Z, 00123 or true into a DateTime, number or
    boolean. Invalid UTF-8 raises an error instead of being replaced with
    U+FFFD, so a corrupted value is never returned as if it were correct.
    A $null or empty member decodes to the empty string.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()]
        [AllowEmptyString()]
        [string] $Base64
    )

    if ([string]::IsNullOrEmpty($Base64)) {
        return ''
    }
    $strictUtf8 = [System.Text.UTF8Encoding]::new($false, $true)
    $strictUtf8.GetString([System.Convert]::FromBase64String($Base64))
}
