# Helpers shared by the Pester tests: locating the built binaries, running
# the psr-sim simulator, and building test values. Dot-source this file in
# BeforeDiscovery and BeforeAll blocks.
#
# The files stay ASCII because Windows PowerShell 5.1 reads a .ps1 without
# byte order mark in the ANSI code page; non-ASCII test values are built
# from code points instead.

function Get-TestRepositoryRoot {
    (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '../..')).ProviderPath
}

function Get-TestModuleManifestPath {
    $moduleFolder = Join-Path -Path (Get-TestRepositoryRoot) -ChildPath 'module'
    Join-Path -Path $moduleFolder -ChildPath 'PsVault.psd1'
}

function Test-TestIsWindows {
    $onWindows = $true
    if ($PSVersionTable.PSEdition -eq 'Core') {
        $onWindows = $IsWindows
    }
    $onWindows
}

function Get-TestBinaryPath {
    # Returns the path of a binary of this workspace: the file named by the
    # environment variable, else target/release or target/debug below
    # CARGO_TARGET_DIR or the repository's target folder; $null when none
    # exists.
    param(
        [Parameter(Mandatory)]
        [string] $Name,

        [Parameter(Mandatory)]
        [string] $EnvironmentVariable
    )

    $fromEnvironment = [System.Environment]::GetEnvironmentVariable($EnvironmentVariable)
    if (-not [string]::IsNullOrEmpty($fromEnvironment)) {
        if (Test-Path -LiteralPath $fromEnvironment -PathType Leaf) {
            return (Resolve-Path -LiteralPath $fromEnvironment).ProviderPath
        }
        return $null
    }

    $targetFolder = $env:CARGO_TARGET_DIR
    if ([string]::IsNullOrEmpty($targetFolder)) {
        $targetFolder = Join-Path -Path (Get-TestRepositoryRoot) -ChildPath 'target'
    }
    $fileName = $Name
    if (Test-TestIsWindows) {
        $fileName = "$Name.exe"
    }
    foreach ($buildProfile in @('release', 'debug')) {
        $profileFolder = Join-Path -Path $targetFolder -ChildPath $buildProfile
        $candidate = Join-Path -Path $profileFolder -ChildPath $fileName
        if (Test-Path -LiteralPath $candidate -PathType Leaf) {
            return $candidate
        }
    }
    $null
}

function ConvertTo-TestSecureString {
    param(
        [Parameter(Mandatory)]
        [AllowEmptyString()]
        [string] $Text
    )

    $secure = [System.Security.SecureString]::new()
    foreach ($character in $Text.ToCharArray()) {
        $secure.AppendChar($character)
    }
    $secure.MakeReadOnly()
    $secure
}

function ConvertFrom-TestSecureString {
    param(
        [Parameter(Mandatory)]
        [System.Security.SecureString] $SecureString
    )

    [pscredential]::new('unused', $SecureString).GetNetworkCredential().Password
}

function Get-TestCertificateSha256 {
    # Returns the SHA-256 fingerprint, in hex, of the first certificate of
    # a PEM file.
    param(
        [Parameter(Mandatory)]
        [string] $Path
    )

    $pem = [System.IO.File]::ReadAllText($Path)
    $match = [regex]::Match($pem, '-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----')
    if (-not $match.Success) {
        throw "No certificate found in $Path"
    }
    $der = [System.Convert]::FromBase64String(($match.Groups[1].Value -replace '\s', ''))
    $sha256 = [System.Security.Cryptography.SHA256]::Create()
    try {
        $hash = $sha256.ComputeHash($der)
    }
    finally {
        $sha256.Dispose()
    }
    ([System.BitConverter]::ToString($hash) -replace '-', '').ToLowerInvariant()
}

function Start-TestSimulator {
    # Starts psr-sim with TLS on a free loopback port and waits until it
    # has written its port and API keys. Returns an object with Process,
    # Url, CertificatePath and ApiKeys (a hashtable of "<user>/<key name>"
    # to the API key text).
    param(
        [Parameter(Mandatory)]
        [string] $SimulatorPath,

        [Parameter(Mandatory)]
        [string] $FixturePath,

        [Parameter(Mandatory)]
        [string] $WorkFolder,

        [string[]] $ExtraArguments = @(),

        [int] $StartTimeoutSec = 60
    )

    $certificatePath = Join-Path -Path $WorkFolder -ChildPath 'simulator-cert.pem'
    $apiKeysPath = Join-Path -Path $WorkFolder -ChildPath 'simulator-api-keys.json'
    $portPath = Join-Path -Path $WorkFolder -ChildPath 'simulator-port.txt'
    $standardOutputPath = Join-Path -Path $WorkFolder -ChildPath 'simulator-stdout.txt'
    $standardErrorPath = Join-Path -Path $WorkFolder -ChildPath 'simulator-stderr.txt'

    # Start-Process joins an argument array with spaces without quoting in
    # Windows PowerShell 5.1, so the paths are quoted here.
    $arguments = '--fixture "{0}" --tls --cert-out "{1}" --api-keys-out "{2}" --port-file "{3}"' -f @(
        $FixturePath, $certificatePath, $apiKeysPath, $portPath)
    foreach ($extra in $ExtraArguments) {
        $arguments += ' "{0}"' -f $extra
    }
    $startArguments = @{
        FilePath               = $SimulatorPath
        ArgumentList           = $arguments
        PassThru               = $true
        RedirectStandardOutput = $standardOutputPath
        RedirectStandardError  = $standardErrorPath
    }
    if (Test-TestIsWindows) {
        $startArguments['NoNewWindow'] = $true
    }
    $process = Start-Process @startArguments

    $deadline = [System.DateTime]::UtcNow.AddSeconds($StartTimeoutSec)
    $port = 0
    while ($port -eq 0) {
        if ($process.HasExited) {
            $errorText = Get-Content -LiteralPath $standardErrorPath -Raw -ErrorAction SilentlyContinue
            throw "psr-sim exited with code $($process.ExitCode) before it was ready: $errorText"
        }
        if ([System.DateTime]::UtcNow -gt $deadline) {
            Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
            throw "psr-sim did not write $portPath within $StartTimeoutSec seconds"
        }
        if ((Test-Path -LiteralPath $portPath) -and (Test-Path -LiteralPath $apiKeysPath) -and (Test-Path -LiteralPath $certificatePath)) {
            $portText = [System.IO.File]::ReadAllText($portPath).Trim()
            $parsedPort = 0
            if ([int]::TryParse($portText, [ref]$parsedPort) -and $parsedPort -gt 0) {
                $port = $parsedPort
            }
        }
        if ($port -eq 0) {
            Start-Sleep -Milliseconds 200
        }
    }

    # The key file may still be being written when the port file appears.
    $apiKeys = $null
    while ($null -eq $apiKeys) {
        try {
            $parsed = ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText($apiKeysPath))
            $apiKeys = @{}
            foreach ($property in $parsed.PSObject.Properties) {
                $apiKeys[$property.Name] = [string]$property.Value
            }
        }
        catch {
            if ([System.DateTime]::UtcNow -gt $deadline) {
                throw
            }
            Start-Sleep -Milliseconds 200
        }
    }

    [pscustomobject]@{
        Process         = $process
        Url             = "https://127.0.0.1:$port/api/"
        Port            = $port
        CertificatePath = $certificatePath
        ApiKeys         = $apiKeys
    }
}

function Stop-TestSimulator {
    param(
        [AllowNull()]
        [object] $Simulator
    )

    if ($null -eq $Simulator -or $null -eq $Simulator.Process) {
        return
    }
    if (-not $Simulator.Process.HasExited) {
        Stop-Process -Id $Simulator.Process.Id -Force -ErrorAction SilentlyContinue
        $null = $Simulator.Process.WaitForExit(10000)
    }
}

function Get-TestPassword {
    # Returns the password of a fixture entry in tests/pester/fixtures/module.json.
    param(
        [Parameter(Mandatory)]
        [ValidateSet('svc_sql', 'svc_date', 'svc_number', 'svc_true', 'svc_spaces', 'svc_web')]
        [string] $UserName
    )

    switch ($UserName) {
        # "Sql-P<a-umlaut>ssw<o-umlaut>rd <euro> <grinning face> "quoted" back\slash"
        'svc_sql' {
            'Sql-P' + [char]0x00E4 + 'ssw' + [char]0x00F6 + 'rd ' + [char]0x20AC + ' ' +
            [char]::ConvertFromUtf32(0x1F600) + ' "quoted" back\slash'
        }
        'svc_date' { '2024-01-31T08:00:00Z' }
        'svc_number' { '00123' }
        'svc_true' { 'true' }
        'svc_spaces' { '  spaces around  ' }
        'svc_web' { 'Web#2024!' }
    }
}
