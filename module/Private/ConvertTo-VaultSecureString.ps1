function ConvertTo-VaultSecureString {
    <#
    .SYNOPSIS
    Copies a plain string into a new read-only SecureString.

    .DESCRIPTION
    Used where a caller hands over a secret that is already a plain string,
    such as a password member of an NPS credential object. The characters
    are appended one by one, without ConvertTo-SecureString -AsPlainText
    and without a character array that would be another copy.
    #>
    [CmdletBinding()]
    [OutputType([System.Security.SecureString])]
    param(
        [Parameter(Mandatory)]
        [AllowEmptyString()]
        [string] $Text
    )

    $secure = [System.Security.SecureString]::new()
    for ($index = 0; $index -lt $Text.Length; $index++) {
        $secure.AppendChar($Text[$index])
    }
    $secure.MakeReadOnly()
    $secure
}
