function ConvertTo-VaultCredentialOutput {
    <#
    .SYNOPSIS
    Turns a json-base64 result of psvault into the function's output object.

    .DESCRIPTION
    By default returns a PSCredential whose UserName is 'DOMAIN\user' (or
    'user' when the entry has no domain) and whose password was decoded
    straight into a SecureString. With -AsPlainText returns a
    PSCustomObject (type name PsVault.PlainTextCredential) with Domain,
    UserName, Password as plain text, Id (the Password Secure entry id)
    and Name (the entry's display name).
    #>
    [CmdletBinding()]
    [OutputType([pscredential], [pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [object] $Value,

        [switch] $AsPlainText
    )

    $domain = ConvertFrom-VaultBase64 -Base64 (Get-VaultMemberValue -InputObject $Value -Name 'domain')
    $userName = ConvertFrom-VaultBase64 -Base64 (Get-VaultMemberValue -InputObject $Value -Name 'username')

    if ($AsPlainText) {
        return [pscustomobject]@{
            PSTypeName = 'PsVault.PlainTextCredential'
            Domain     = $domain
            UserName   = $userName
            Password   = ConvertFrom-VaultBase64 -Base64 (Get-VaultMemberValue -InputObject $Value -Name 'password')
            Id         = [string](Get-VaultMemberValue -InputObject $Value -Name 'id')
            Name       = ConvertFrom-VaultBase64 -Base64 (Get-VaultMemberValue -InputObject $Value -Name 'name')
        }
    }

    $qualifiedName = $userName
    if (-not [string]::IsNullOrEmpty($domain)) {
        $qualifiedName = "$domain\$userName"
    }
    $password = ConvertFrom-VaultBase64ToSecureString -Base64 (Get-VaultMemberValue -InputObject $Value -Name 'password')
    [pscredential]::new($qualifiedName, $password)
}
