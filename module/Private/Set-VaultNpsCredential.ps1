function Set-VaultNpsCredential {
    <#
    .SYNOPSIS
    Fills the NPS $Credential object with a checked-out credential.

    .DESCRIPTION
    Sets Username, Domain and Password on the object NPS passed and
    returns that same object, whatever its type (hashtable, other
    dictionary or PSCustomObject); members that exist in another letter
    case are overwritten in place. The password is stored as a
    SecureString when the object's Password already holds one or is a
    property typed SecureString, and as plain text otherwise, because
    that is the form the caller put there; -AsPlainText always stores
    plain text.

    A PSCredential cannot be changed, so for one a new PSCredential with
    'DOMAIN\user' is returned instead.
    #>
    [CmdletBinding()]
    [OutputType([object])]
    param(
        [Parameter(Mandatory)]
        [object] $Credential,

        [Parameter(Mandatory)]
        [object] $Value,

        [switch] $AsPlainText
    )

    if ($Credential -is [pscredential]) {
        return ConvertTo-VaultCredentialOutput -Value $Value
    }

    $wantsSecureString = $false
    if (-not $AsPlainText) {
        $existing = Get-VaultMemberValue -InputObject $Credential -Name 'Password'
        if ($existing -is [System.Security.SecureString]) {
            $wantsSecureString = $true
        }
        elseif ($Credential -isnot [System.Collections.IDictionary]) {
            $property = $Credential.PSObject.Properties | Where-Object { $_.Name -eq 'Password' } | Select-Object -First 1
            if ($null -ne $property -and $property.TypeNameOfValue -eq 'System.Security.SecureString') {
                $wantsSecureString = $true
            }
        }
    }

    $passwordBase64 = Get-VaultMemberValue -InputObject $Value -Name 'password'
    if ($wantsSecureString) {
        $password = ConvertFrom-VaultBase64ToSecureString -Base64 $passwordBase64
    }
    else {
        $password = ConvertFrom-VaultBase64 -Base64 $passwordBase64
    }

    $userName = ConvertFrom-VaultBase64 -Base64 (Get-VaultMemberValue -InputObject $Value -Name 'username')
    $domain = ConvertFrom-VaultBase64 -Base64 (Get-VaultMemberValue -InputObject $Value -Name 'domain')
    Set-VaultMemberValue -InputObject $Credential -Name 'Username' -Value $userName
    Set-VaultMemberValue -InputObject $Credential -Name 'Domain' -Value $domain
    Set-VaultMemberValue -InputObject $Credential -Name 'Password' -Value $password

    Write-Output -InputObject $Credential -NoEnumerate
}
