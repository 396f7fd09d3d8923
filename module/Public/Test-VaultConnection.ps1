function Test-VaultConnection {
    <#
    .SYNOPSIS
    Checks that the API key and the Password Secure server work.

    .DESCRIPTION
    Test-VaultConnection runs 'psvault check', which decodes the API key
    (user, database, expiry, rights and scopes), connects to the server,
    logs in, looks for the AD User form and logs out. No password is read.
    The API key goes to psvault on stdin, never on its command line.

    It returns a PsVault.ConnectionTest object with:
    - Success: $true when every step passed.
    - ApiUrl: the URL tested.
    - ExitCode: psvault's exit code (0 passed, 2 invalid input,
      4 authentication failed, 6 connection failed, 7 server error).
    - ErrorId: the module's error id for that exit code, or $null.
    - Message: what failed, or $null.
    - Report: the JSON report of 'psvault check' as an object, when
      psvault printed one. In PowerShell 7, ConvertFrom-Json turns its
      date members into DateTime values; in Windows PowerShell 5.1 they
      stay strings.
    With -Quiet it returns only $true or $false.

    A failed check is a result, not an error. Only a missing psvault
    binary (VaultBinaryNotFound) and a hung run (VaultTimeout) raise
    terminating errors. With -Options and -Credential it reads the URL,
    the certificate setting and the API key the way Get-VaultCredential
    does in an NPS checkout, taking $Credential to be the connector's
    service account.

    .PARAMETER ApiUrl
    Base URL of the Password Secure web API, for example
    https://pws.example.com/api/. Only https:// URLs are accepted.

    .PARAMETER ApiKey
    The Password Secure API key ('<token>:<key>') as a SecureString.

    .PARAMETER ServiceAccount
    A PSCredential whose password is the API key. Its user name is not
    used.

    .PARAMETER Options
    The $Options object that NPS passes to a connector script block; the
    URL is read from $Options.Connector.Options.ApiURL and the
    certificate setting from $Options.Connector.Options.SkipCertificateCheck.

    .PARAMETER Credential
    The connector's service account as NPS passes it; its password is the
    API key unless -ApiKey or -ServiceAccount is given.

    .PARAMETER SkipCertificateCheck
    Do not verify the server's TLS certificate. Anyone on the network
    path can then read the API session, so the function writes a warning.
    Default: off.

    .PARAMETER CaFile
    Path of a PEM file with CA certificates to trust in addition to the
    operating system's trust store.

    .PARAMETER PinSha256
    Accept only server certificates whose SHA-256 fingerprint (of the DER
    bytes, 64 hex digits, colons allowed) is one of these.

    .PARAMETER TimeoutSec
    Deadline in seconds for the whole check. Default: 30. psvault is
    stopped 15 seconds after that deadline and VaultTimeout is raised.

    .PARAMETER Quiet
    Return only $true or $false instead of the result object.

    .EXAMPLE
    $apiKey = Read-Host -Prompt 'Password Secure API key' -AsSecureString
    Test-VaultConnection -ApiUrl 'https://pws.example.com/api/' -ApiKey $apiKey

    Returns the check result. When Success is $false, ErrorId and Message
    say which step failed, for example VaultAuthenticationFailed for an
    expired key.

    .EXAMPLE
    # Test script block of an NPS "Bring Your Own Vault" connector.
    param($Options, $Credential)
    Import-Module -Name PsVault
    Test-VaultConnection -Options $Options -Credential $Credential -Quiet

    Returns $true when the connector's URL and service account work.

    .EXAMPLE
    if (-not (Test-VaultConnection -ApiUrl $url -ServiceAccount $serviceAccount -CaFile .\corp-root-ca.pem -Quiet)) {
        Write-Error -Message 'Password Secure is not reachable with this service account.' -ErrorAction Stop
    }

    Stops a script early when the vault cannot be used.

    .OUTPUTS
    PsVault.ConnectionTest, or System.Boolean with -Quiet.

    .LINK
    Get-VaultCredential
    #>
    [CmdletBinding(DefaultParameterSetName = 'ApiKey')]
    [OutputType([pscustomobject], [bool])]
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

        [Parameter(Mandatory, ParameterSetName = 'Nps')]
        [ValidateNotNull()]
        [object] $Options,

        [Parameter(Mandatory, ParameterSetName = 'Nps')]
        [ValidateNotNull()]
        [object] $Credential,

        [switch] $SkipCertificateCheck,

        [ValidateNotNullOrEmpty()]
        [string] $CaFile,

        [ValidatePattern('^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$')]
        [string[]] $PinSha256,

        [ValidateRange(1, 3600)]
        [int] $TimeoutSec = 30,

        [switch] $Quiet
    )

    # Seconds that psvault gets beyond its own deadline before the module
    # stops it.
    $processMarginSec = 15
    $skipCheck = $SkipCertificateCheck.IsPresent

    if ($PSCmdlet.ParameterSetName -eq 'Nps') {
        $contextArguments = @{
            Cmdlet         = $PSCmdlet
            Options        = $Options
            Credential     = $Credential
            ConnectionOnly = $true
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

    $binary = Resolve-VaultBinary -Cmdlet $PSCmdlet
    if ($skipCheck) {
        Write-Warning -Message "The certificate of $url is not verified. Anyone on the network path can read the API session."
    }

    $connectionArguments = @{
        ApiUrl               = $url
        TimeoutSec           = $TimeoutSec
        SkipCertificateCheck = $skipCheck
        PinSha256            = $PinSha256
    }
    if ($PSBoundParameters.ContainsKey('CaFile')) {
        $connectionArguments['CaFile'] = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($CaFile)
    }
    $request = New-VaultConnectionRequest @connectionArguments

    Write-VaultLog -Message "Checking the API key and the server at $url."
    $processArguments = @{
        Cmdlet       = $PSCmdlet
        FilePath     = $binary
        ArgumentList = @('check', '--request', '-', '--format', 'json', '--error-format', 'json')
        InputObject  = @($request)
        ApiKey       = $key
        TimeoutSec   = $TimeoutSec + $processMarginSec
        TargetObject = $url
    }
    $result = Invoke-VaultProcess @processArguments

    $report = $null
    foreach ($line in ($result.StandardOutput -split '\r?\n')) {
        $parsed = ConvertFrom-VaultJsonLine -Line $line
        if ($null -ne $parsed) {
            $report = $parsed
        }
    }

    $errorId = $null
    $message = $null
    if ($result.ExitCode -eq 0) {
        $null = Read-VaultStandardError -StandardError $result.StandardError
        Write-VaultLog -Message "The check of $url passed."
    }
    else {
        $errorRecord = New-VaultProcessErrorRecord -Result $result -TargetObject $url
        $errorId = $errorRecord.FullyQualifiedErrorId
        $message = $errorRecord.Exception.Message
        Write-VaultLog -Message "The check of $url failed: $errorId."
    }

    if ($Quiet) {
        return ($result.ExitCode -eq 0)
    }
    [pscustomobject]@{
        PSTypeName = 'PsVault.ConnectionTest'
        Success    = ($result.ExitCode -eq 0)
        ApiUrl     = $url
        ExitCode   = $result.ExitCode
        ErrorId    = $errorId
        Message    = $message
        Report     = $report
    }
}
