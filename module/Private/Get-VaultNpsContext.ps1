function Get-VaultNpsContext {
    <#
    .SYNOPSIS
    Reads the URL, account, API key and reason from NPS checkout arguments.

    .DESCRIPTION
    NPS runs a Bring Your Own Vault checkout script block with $Options
    and $Credential. This helper reads:

    - the API URL from $Options.Connector.Options.ApiURL and the
      certificate switch from $Options.Connector.Options.SkipCertificateCheck;
    - the account to check out from $Options.ActivitySession.LoginAccountName
      when NPS passes an activity session, and then treats $Credential as
      the connector's service account, whose password is the API key;
    - otherwise the account from $Credential's Domain and UserName, and
      then the API key must come from -ApiKey or -ServiceAccount.

    With -ConnectionOnly no account is read and $Credential is always
    taken to be the service account. An explicit -ApiKey or
    -ServiceAccount always wins over $Credential's password. Every object may be a hashtable or a PSCustomObject, and
    member names are matched without regard to case. Raises the
    terminating error VaultInvalidInput through the calling cmdlet when
    the URL, the account or the API key is missing.

    Returns an object with ApiUrl, SkipCertificateCheck, Lookup (the
    result of Resolve-VaultLookup, $null with -ConnectionOnly), ApiKey (a SecureString) and
    DefaultReason ('NPS activity session <id>' when the session has an
    id, otherwise $null).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory)]
        [object] $Options,

        [Parameter(Mandatory)]
        [object] $Credential,

        [System.Security.SecureString] $ApiKey,

        [pscredential] $ServiceAccount,

        [switch] $ConnectionOnly
    )

    $connector = Get-VaultMemberValue -InputObject $Options -Name 'Connector'
    $connectorOptions = Get-VaultMemberValue -InputObject $connector -Name 'Options'
    $apiUrl = [string](Get-VaultMemberValue -InputObject $connectorOptions -Name 'ApiURL')
    if ([string]::IsNullOrWhiteSpace($apiUrl)) {
        $message = 'The NPS options carry no API URL. Set the connector option ApiURL ' +
            '(for example https://pws.example.com/api/); it is read from $Options.Connector.Options.ApiURL.'
        $Cmdlet.ThrowTerminatingError((New-VaultErrorRecord -ErrorId 'VaultInvalidInput' -Message $message -TargetObject 'ApiURL'))
    }
    $skipValue = Get-VaultMemberValue -InputObject $connectorOptions -Name 'SkipCertificateCheck'
    $skipCertificateCheck = ConvertTo-VaultBoolean -Value $skipValue

    $session = Get-VaultMemberValue -InputObject $Options -Name 'ActivitySession'
    $loginAccount = [string](Get-VaultMemberValue -InputObject $session -Name 'LoginAccountName')
    $sessionId = [string](Get-VaultMemberValue -InputObject $session -Name 'Id', 'ActivitySessionId')

    $credentialIsServiceAccount = $false
    $lookup = $null
    if ($ConnectionOnly) {
        $credentialIsServiceAccount = $true
    }
    elseif (-not [string]::IsNullOrWhiteSpace($loginAccount)) {
        $credentialIsServiceAccount = $true
        if ($loginAccount.Contains('\') -or $loginAccount.Contains('@')) {
            $lookup = Resolve-VaultLookup -Identity $loginAccount
        }
        else {
            $lookup = Resolve-VaultLookup -UserName $loginAccount
        }
    }
    else {
        $userName = [string](Get-VaultMemberValue -InputObject $Credential -Name 'UserName', 'User')
        $domain = [string](Get-VaultMemberValue -InputObject $Credential -Name 'Domain')
        if ([string]::IsNullOrEmpty($domain) -and ($userName.Contains('\') -or $userName.Contains('@'))) {
            $lookup = Resolve-VaultLookup -Identity $userName
        }
        else {
            $lookup = Resolve-VaultLookup -Domain $domain -UserName $userName
        }
    }
    if ($null -ne $lookup -and $null -ne $lookup.ErrorRecord) {
        $message = 'NPS passed no account to check out: $Options.ActivitySession.LoginAccountName is empty ' +
            'and $Credential has no UserName.'
        $Cmdlet.ThrowTerminatingError((New-VaultErrorRecord -ErrorId 'VaultInvalidInput' -Message $message -TargetObject $lookup.Target))
    }

    $key = $null
    if ($null -ne $ApiKey) {
        $key = $ApiKey
    }
    elseif ($null -ne $ServiceAccount) {
        $key = $ServiceAccount.Password
    }
    elseif ($credentialIsServiceAccount) {
        $password = Get-VaultMemberValue -InputObject $Credential -Name 'Password'
        if ($password -is [System.Security.SecureString]) {
            $key = $password
        }
        elseif ($password -is [string] -and $password.Length -gt 0) {
            $key = ConvertTo-VaultSecureString -Text $password
        }
    }
    if ($null -eq $key -or $key.Length -eq 0) {
        if ($credentialIsServiceAccount) {
            $message = '$Credential, the connector''s service account, has no password; its password must be ' +
                'the Password Secure API key. Store the API key as the service account password, or pass -ApiKey.'
        }
        else {
            $message = 'NPS passed no activity session, so $Credential names the account to check out and ' +
                'cannot carry the API key. Pass the API key with -ApiKey or -ServiceAccount.'
        }
        $target = $apiUrl
        if ($null -ne $lookup) {
            $target = $lookup.Target
        }
        $Cmdlet.ThrowTerminatingError((New-VaultErrorRecord -ErrorId 'VaultInvalidInput' -Message $message -TargetObject $target))
    }

    $defaultReason = $null
    if (-not [string]::IsNullOrWhiteSpace($sessionId)) {
        $defaultReason = "NPS activity session $sessionId"
    }

    [pscustomobject]@{
        ApiUrl               = $apiUrl.Trim()
        SkipCertificateCheck = $skipCertificateCheck
        Lookup               = $lookup
        ApiKey               = $key
        DefaultReason        = $defaultReason
    }
}
