function ConvertFrom-VaultBase64ToSecureString {
    <#
    .SYNOPSIS
    Decodes a base64 password member straight into a read-only SecureString.

    .DESCRIPTION
    The UTF-8 bytes and the decoded characters are held in arrays that are
    cleared as soon as the SecureString is built, so the module itself
    never creates a managed string of the password. The base64 text that
    psvault printed still exists as a managed string (the process output
    and the ConvertFrom-Json result), which .NET cannot wipe.
    #>
    [CmdletBinding()]
    [OutputType([System.Security.SecureString])]
    param(
        [AllowNull()]
        [AllowEmptyString()]
        [string] $Base64
    )

    $secure = [System.Security.SecureString]::new()
    if ([string]::IsNullOrEmpty($Base64)) {
        $secure.MakeReadOnly()
        return $secure
    }

    $bytes = $null
    $characters = $null
    try {
        $bytes = [System.Convert]::FromBase64String($Base64)
        $strictUtf8 = [System.Text.UTF8Encoding]::new($false, $true)
        $characters = $strictUtf8.GetChars($bytes)
        foreach ($character in $characters) {
            $secure.AppendChar($character)
        }
    }
    finally {
        if ($null -ne $bytes) {
            [System.Array]::Clear($bytes, 0, $bytes.Length)
        }
        if ($null -ne $characters) {
            [System.Array]::Clear($characters, 0, $characters.Length)
        }
    }
    $secure.MakeReadOnly()
    $secure
}
