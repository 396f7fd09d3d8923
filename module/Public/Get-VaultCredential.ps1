function Get-VaultCredential {
    <#
    .SYNOPSIS
    Checks out an Active Directory credential from Netwrix Password Secure.

    .DESCRIPTION
    Get-VaultCredential asks Netwrix Password Secure for the "AD User"
    entry whose Domain and Username fields match an account such as
    CORP\svc_sql, and returns the credential. It runs the psvault binary
    shipped in the module's bin/<platform> folder (or the file named by
    the environment variable PSVAULT_BINARY), which logs in with an API
    key, finds the entry, decrypts the password and logs out. The API key
    and every other request member go to psvault on stdin, never on its
    command line.

    Output:
    - By default a PSCredential whose UserName is 'DOMAIN\user'.
    - With -AsPlainText a PsVault.PlainTextCredential object with Domain,
      UserName, Password (plain text), Id (entry id) and Name (entry name).
    - $null when no AD User entry matches.
    Passwords come back exactly as stored: values such as
    2024-01-31T08:00:00Z, 00123 or true stay strings.

    Several lookups, piped in as objects with Identity, or Domain and
    UserName, and optionally Reason properties, are collected and sent to
    one 'psvault batch' run, so that there is one login for all of them.
    There is one output per input, in input order; a lookup that finds
    nothing or fails produces $null in its place.

    Netwrix Privilege Secure (NPS) "Bring Your Own Vault" checkout: with
    -Options and -Credential the function follows the checkout contract
    of an NPS script block. It reads the API URL from
    $Options.Connector.Options.ApiURL and the certificate setting from
    $Options.Connector.Options.SkipCertificateCheck (hashtables and
    PSCustomObjects are accepted, names in any letter case). The account
    to check out is $Options.ActivitySession.LoginAccountName; in that
    case $Credential is taken to be the connector's service account,
    whose password holds the API key, which is how NPS stores a service
    account for this connector. When there is no activity session, the
    account is read from $Credential's Domain and UserName instead, and
    the API key must be passed with -ApiKey or -ServiceAccount. -ApiKey
    and -ServiceAccount, when given, always take precedence over
    $Credential's password. The function then sets Username, Domain and
    Password on that same $Credential object and returns it (a
    PSCredential, which cannot be changed, is replaced by a new one). The
    password is stored in the form the object held: a SecureString when
    its Password already was one, plain text otherwise or with
    -AsPlainText. When nothing matches, the function returns $null and
    leaves $Credential unchanged.

    Errors are ErrorRecords with stable ids: VaultInvalidInput,
    VaultCredentialAmbiguous (several entries match) and
    VaultCredentialNotReleasable (sealed or not readable) concern one
    lookup and are non-terminating; VaultAuthenticationFailed,
    VaultConnectionFailed, VaultServerError, VaultBinaryNotFound and
    VaultTimeout stop the command. Progress goes to the NPS action log
    (Add-SbPAMActionLog) when that command exists and to the verbose
    stream otherwise; neither ever contains the API key or a password.

    The function changes no session state: no TLS settings of
    System.Net.ServicePointManager, no preference variables.

    .PARAMETER ApiUrl
    Base URL of the Password Secure web API, for example
    https://pws.example.com/api/. Only https:// URLs are accepted.

    .PARAMETER ApiKey
    The Password Secure API key ('<token>:<key>') as a SecureString. The
    key's user needs the Read right and the Passwords scope and read
    access to the AD User entries. The key is converted to bytes only
    while it is written to psvault's stdin, and those bytes are cleared
    right after.

    .PARAMETER ServiceAccount
    A PSCredential whose password is the API key, as NPS stores the
    service account of a vault connector. Its user name is not used.

    .PARAMETER Identity
    The account to check out: 'DOMAIN\user', 'user@dns.suffix' or a local
    'HOST\user'. Accepts pipeline input by property name. Use -Domain and
    -UserName instead to pass the parts separately. An input with both,
    or with neither, fails with VaultInvalidInput; empty values count as
    absent, so CSV files may mix both forms in different columns.

    .PARAMETER Domain
    The domain of the account (NetBIOS or DNS name), used with -UserName.
    Accepts pipeline input by property name.

    .PARAMETER UserName
    The user name of the account, without domain. Accepts pipeline input
    by property name, also from properties named User or SamAccountName.

    .PARAMETER Options
    The $Options object that NPS passes to a checkout script block. See
    the description for the members read.

    .PARAMETER Credential
    The $Credential object that NPS passes to a checkout script block; it
    is filled with the checked-out credential and returned.

    .PARAMETER Reason
    The audit reason that Password Secure records in its logbook with the
    read. Accepts pipeline input by property name. Defaults to
    'NPS activity session <id>' when NPS passes an activity session with
    an id, and to 'Get-VaultCredential by <user> on <computer>'
    otherwise.

    .PARAMETER SkipCertificateCheck
    Do not verify the server's TLS certificate (the NPS "Skip Certificate
    Check" setting). Anyone on the network path can then read the API
    session and the password, so the function writes a warning. With
    -Options, the connector's SkipCertificateCheck option also turns this
    on. Default: off.

    .PARAMETER CaFile
    Path of a PEM file with CA certificates to trust in addition to the
    operating system's trust store, for servers with a private CA.

    .PARAMETER PinSha256
    Accept only server certificates whose SHA-256 fingerprint (of the DER
    bytes, 64 hex digits, colons allowed) is one of these.

    .PARAMETER TimeoutSec
    Deadline in seconds for one lookup: login, search, decryption and
    logout. Default: 30. psvault is stopped if it has not finished 15
    seconds after that deadline (for a batch, after TimeoutSec per
    lookup plus 15 seconds), and VaultTimeout is raised.

    .PARAMETER AsPlainText
    Return the password as plain text: a PsVault.PlainTextCredential
    object instead of a PSCredential, or a plain-text Password on the NPS
    $Credential object. Plain text stays in memory until the garbage
    collector reclaims it; use it only for programs that cannot take a
    PSCredential.

    .EXAMPLE
    $apiKey = Read-Host -Prompt 'Password Secure API key' -AsSecureString
    $credential = Get-VaultCredential -ApiUrl 'https://pws.example.com/api/' -ApiKey $apiKey -Identity 'CORP\svc_sql'
    Invoke-Command -ComputerName 'sql01' -Credential $credential -ScriptBlock { Get-Service -Name 'MSSQLSERVER' }

    Checks out CORP\svc_sql and uses the PSCredential. $credential is
    $null when no AD User entry matches.

    .EXAMPLE
    # The checkout script block of an NPS "Bring Your Own Vault" connector.
    # NPS passes $Options (connector options ApiURL and SkipCertificateCheck,
    # and the activity session) and $Credential (the connector's service
    # account, whose password is the Password Secure API key).
    param($Options, $Credential)
    Import-Module -Name PsVault
    Get-VaultCredential -Options $Options -Credential $Credential

    Returns $Credential with Username, Domain and Password of the session's
    login account, or $null when Password Secure holds no entry for it.
    The logbook reason is 'NPS activity session <id>'.

    .EXAMPLE
    $serviceAccount = Import-Clixml -Path "$env:LOCALAPPDATA\psvault-service-account.xml"
    Import-Csv -Path .\accounts.csv |
        Get-VaultCredential -ApiUrl 'https://pws.example.com/api/' -ServiceAccount $serviceAccount -Reason 'Quarterly service check'

    Checks out every account listed in accounts.csv (columns Domain and
    UserName) with one login. The output holds one PSCredential or $null
    per CSV row, in row order.

    .EXAMPLE
    'CORP\svc_sql', 'CORP\svc_web' |
        Get-VaultCredential -ApiUrl 'https://pws.example.com/api/' -ApiKey $apiKey -Identity { $_ } -CaFile .\corp-root-ca.pem

    Passes plain strings as identities with a delay-bind script block, and
    trusts the company CA in corp-root-ca.pem.

    .EXAMPLE
    $entry = Get-VaultCredential -ApiUrl 'https://pws.example.com/api/' -ApiKey $apiKey -Domain 'CORP' -UserName 'svc_backup' -AsPlainText
    & .\legacy-tool.exe --user "$($entry.Domain)\$($entry.UserName)" --password-stdin

    Returns the password as plain text for a program that cannot take a
    PSCredential.

    .INPUTS
    Objects with Identity, Domain, UserName (or User, SamAccountName) and
    Reason properties.

    .OUTPUTS
    System.Management.Automation.PSCredential by default;
    PsVault.PlainTextCredential with -AsPlainText; the NPS $Credential
    object with -Options and -Credential; $null when nothing matches.

    .LINK
    Test-VaultConnection
    #>
    [CmdletBinding(DefaultParameterSetName = 'ApiKey')]
    [OutputType([pscredential], [pscustomobject])]
    param(
        [Parameter(Mandatory, ParameterSetName = 'ApiKey')]
        [Parameter(Mandatory, ParameterSetName = 'ServiceAccount')]
        [ValidatePattern('^https://\S+$')]
        [string] $ApiUrl,

        [Parameter(Mandatory, ParameterSetName = 'ApiKey')]
        [Parameter(ParameterSetName = 'Nps')]
        [ValidateNotNull()]
        [System.Security.SecureString] $ApiKey,

        [Parameter(Mandatory, ParameterSetName = 'ServiceAccount')]
        [Parameter(ParameterSetName = 'Nps')]
        [ValidateNotNull()]
        [pscredential] $ServiceAccount,

        [Parameter(ParameterSetName = 'ApiKey', ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ServiceAccount', ValueFromPipelineByPropertyName)]
        [AllowEmptyString()]
        [ValidateLength(0, 512)]
        [string] $Identity,

        [Parameter(ParameterSetName = 'ApiKey', ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ServiceAccount', ValueFromPipelineByPropertyName)]
        [AllowEmptyString()]
        [ValidateLength(0, 255)]
        [string] $Domain,

        [Parameter(ParameterSetName = 'ApiKey', ValueFromPipelineByPropertyName)]
        [Parameter(ParameterSetName = 'ServiceAccount', ValueFromPipelineByPropertyName)]
        [Alias('User', 'SamAccountName')]
        [AllowEmptyString()]
        [ValidateLength(0, 256)]
        [string] $UserName,

        [Parameter(Mandatory, ParameterSetName = 'Nps')]
        [ValidateNotNull()]
        [object] $Options,

        [Parameter(Mandatory, ParameterSetName = 'Nps')]
        [ValidateNotNull()]
        [object] $Credential,

        [Parameter(ValueFromPipelineByPropertyName)]
        [AllowEmptyString()]
        [ValidateLength(0, 1000)]
        [string] $Reason,

        [switch] $SkipCertificateCheck,

        [ValidateNotNullOrEmpty()]
        [string] $CaFile,

        [ValidatePattern('^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$')]
        [string[]] $PinSha256,

        [ValidateRange(1, 3600)]
        [int] $TimeoutSec = 30,

        [switch] $AsPlainText
    )

    begin {
        # Seconds that psvault gets beyond its own deadline to start, log
        # out and exit before the module stops it.
        $processMarginSec = 15
        $lookups = [System.Collections.Generic.List[object]]::new()
    }

    process {
        if ($PSCmdlet.ParameterSetName -ne 'Nps') {
            $lookups.Add((Resolve-VaultLookup -Identity $Identity -Domain $Domain -UserName $UserName -Reason $Reason))
        }
    }

    end {
        $defaultReason = "Get-VaultCredential by $([System.Environment]::UserName) on $([System.Environment]::MachineName)"
        $skipCheck = $SkipCertificateCheck.IsPresent

        if ($PSCmdlet.ParameterSetName -eq 'Nps') {
            $contextArguments = @{
                Cmdlet     = $PSCmdlet
                Options    = $Options
                Credential = $Credential
            }
            if ($PSBoundParameters.ContainsKey('ApiKey')) {
                $contextArguments['ApiKey'] = $ApiKey
            }
            if ($PSBoundParameters.ContainsKey('ServiceAccount')) {
                $contextArguments['ServiceAccount'] = $ServiceAccount
            }
            $npsContext = Get-VaultNpsContext @contextArguments

            $url = $npsContext.ApiUrl
            $key = $npsContext.ApiKey
            $skipCheck = $skipCheck -or $npsContext.SkipCertificateCheck
            if (-not [string]::IsNullOrEmpty($Reason)) {
                $npsContext.Lookup.Request['reason'] = $Reason
            }
            elseif ($null -ne $npsContext.DefaultReason) {
                $defaultReason = $npsContext.DefaultReason
            }
            $lookups.Add($npsContext.Lookup)
        }
        else {
            $url = $ApiUrl
            if ($PSCmdlet.ParameterSetName -eq 'ServiceAccount') {
                $key = $ServiceAccount.Password
            }
            else {
                $key = $ApiKey
            }
            if ($key.Length -eq 0) {
                $message = 'The API key is empty. Pass the Password Secure API key with -ApiKey, or as the password of -ServiceAccount.'
                $PSCmdlet.ThrowTerminatingError((New-VaultErrorRecord -ErrorId 'VaultInvalidInput' -Message $message -TargetObject $url))
            }
        }

        $pending = @($lookups | Where-Object { $null -ne $_.Request })
        foreach ($lookup in $pending) {
            if (-not $lookup.Request.Contains('reason')) {
                $lookup.Request['reason'] = $defaultReason
            }
        }

        $outcomes = @()
        if ($pending.Count -gt 0) {
            $binary = Resolve-VaultBinary -Cmdlet $PSCmdlet
            if ($skipCheck) {
                Write-Warning -Message "The certificate of $url is not verified. Anyone on the network path can read the API session and the password."
            }

            $connectionArguments = @{
                ApiUrl               = $url
                TimeoutSec           = $TimeoutSec
                Format               = 'json-base64'
                SkipCertificateCheck = $skipCheck
                PinSha256            = $PinSha256
            }
            if ($PSBoundParameters.ContainsKey('CaFile')) {
                $connectionArguments['CaFile'] = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($CaFile)
            }
            $connection = New-VaultConnectionRequest @connectionArguments

            if ($pending.Count -eq 1) {
                Write-VaultLog -Message "Checking out $($pending[0].Target) from $url."
                $getArguments = @{
                    Cmdlet       = $PSCmdlet
                    FilePath     = $binary
                    Connection   = $connection
                    Lookup       = $pending[0].Request
                    ApiKey       = $key
                    TimeoutSec   = $TimeoutSec + $processMarginSec
                    TargetObject = $pending[0].Target
                }
                $outcomes = @(Invoke-VaultGet @getArguments)
            }
            else {
                Write-VaultLog -Message "Checking out $($pending.Count) accounts from $url in one batch."
                $batchTimeoutSec = [System.Math]::Min([long]$TimeoutSec * $pending.Count + $processMarginSec, 2147483)
                $batchArguments = @{
                    Cmdlet     = $PSCmdlet
                    FilePath   = $binary
                    Connection = $connection
                    Lookup     = $pending
                    ApiKey     = $key
                    TimeoutSec = [int]$batchTimeoutSec
                }
                $outcomes = @(Invoke-VaultBatch @batchArguments)
            }
        }

        $outcomeIndex = 0
        foreach ($lookup in $lookups) {
            if ($null -ne $lookup.ErrorRecord) {
                $PSCmdlet.WriteError($lookup.ErrorRecord)
                $PSCmdlet.WriteObject($null)
                continue
            }

            $outcome = $outcomes[$outcomeIndex]
            $outcomeIndex++
            if ($outcome.Status -eq 'found') {
                $entryId = Get-VaultMemberValue -InputObject $outcome.Value -Name 'id'
                Write-VaultLog -Message "Checked out $($lookup.Target) (Password Secure entry $entryId)."
                if ($PSCmdlet.ParameterSetName -eq 'Nps') {
                    Set-VaultNpsCredential -Credential $Credential -Value $outcome.Value -AsPlainText:$AsPlainText
                }
                else {
                    ConvertTo-VaultCredentialOutput -Value $outcome.Value -AsPlainText:$AsPlainText
                }
            }
            elseif ($outcome.Status -eq 'not_found') {
                Write-VaultLog -Message "No AD User entry matches $($lookup.Target)."
                $PSCmdlet.WriteObject($null)
            }
            else {
                Write-VaultLog -Message "Checking out $($lookup.Target) failed: $($outcome.ErrorRecord.FullyQualifiedErrorId)."
                $PSCmdlet.WriteError($outcome.ErrorRecord)
                $PSCmdlet.WriteObject($null)
            }
        }
    }
}
