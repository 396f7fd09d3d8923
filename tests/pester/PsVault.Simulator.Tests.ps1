# End-to-end tests of the module: the real psvault binary against the
# psr-sim simulator over TLS, trusting the simulator's certificate through
# -CaFile. Build both binaries first (cargo build --release -p psvault
# -p psr-sim) or point PSVAULT_BINARY and PSR_SIM_BINARY at them; without
# them these tests are skipped, and CI treats a skipped test as a failure.

BeforeDiscovery {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestSupport.ps1')
    $psvaultPath = Get-TestBinaryPath -Name 'psvault' -EnvironmentVariable 'PSVAULT_BINARY'
    $simulatorPath = Get-TestBinaryPath -Name 'psr-sim' -EnvironmentVariable 'PSR_SIM_BINARY'
    $binariesMissing = ($null -eq $psvaultPath) -or ($null -eq $simulatorPath)
}

Describe 'PsVault against the simulator' -Skip:$binariesMissing {
    BeforeAll {
        . (Join-Path -Path $PSScriptRoot -ChildPath 'TestSupport.ps1')
        $savedBinary = $env:PSVAULT_BINARY
        $env:PSVAULT_BINARY = Get-TestBinaryPath -Name 'psvault' -EnvironmentVariable 'PSVAULT_BINARY'
        Import-Module -Name (Get-TestModuleManifestPath) -Force

        $fixtureFolder = Join-Path -Path $PSScriptRoot -ChildPath 'fixtures'
        $simulatorArguments = @{
            SimulatorPath = Get-TestBinaryPath -Name 'psr-sim' -EnvironmentVariable 'PSR_SIM_BINARY'
            FixturePath   = Join-Path -Path $fixtureFolder -ChildPath 'module.json'
            WorkFolder    = $TestDrive
        }
        $simulator = Start-TestSimulator @simulatorArguments

        $apiKeyText = $simulator.ApiKeys['nps-svc/nps']
        $apiKey = ConvertTo-TestSecureString -Text $apiKeyText
        $connection = @{
            ApiUrl = $simulator.Url
            ApiKey = $apiKey
            CaFile = $simulator.CertificatePath
        }
    }

    AfterAll {
        Stop-TestSimulator -Simulator $simulator
        Remove-Module -Name PsVault -Force -ErrorAction SilentlyContinue
        $env:PSVAULT_BINARY = $savedBinary
    }

    Context 'Get-VaultCredential' {
        It 'returns a PSCredential with the Unicode password unchanged' {
            $credential = Get-VaultCredential @connection -Identity 'CORP\svc_sql'

            $credential | Should -BeOfType [pscredential]
            $credential.UserName | Should -BeExactly 'CORP\svc_sql'
            $credential.GetNetworkCredential().Password | Should -BeExactly (Get-TestPassword -UserName 'svc_sql')
        }

        It 'returns the <UserName> password byte-identical' -ForEach @(
            @{ UserName = 'svc_date' }
            @{ UserName = 'svc_number' }
            @{ UserName = 'svc_true' }
            @{ UserName = 'svc_spaces' }
        ) {
            $expected = Get-TestPassword -UserName $UserName

            $credential = Get-VaultCredential @connection -Domain 'CORP' -UserName $UserName
            $plain = Get-VaultCredential @connection -Identity "CORP\$UserName" -AsPlainText

            $credential.GetNetworkCredential().Password | Should -BeExactly $expected
            $plain.Password | Should -BeOfType [string]
            $plain.Password | Should -BeExactly $expected
            $plain.Domain | Should -BeExactly 'CORP'
            $plain.UserName | Should -BeExactly $UserName
            $plain.Id | Should -Not -BeNullOrEmpty
        }

        It 'returns $null without an error when nothing matches' {
            $result = Get-VaultCredential @connection -Identity 'CORP\nobody' -ErrorVariable lookupErrors

            $result | Should -BeNullOrEmpty
            $lookupErrors.Count | Should -Be 0
        }

        It 'works with an RSA user and a service account credential' {
            $rsaKey = ConvertTo-TestSecureString -Text $simulator.ApiKeys['rsa-svc/nps']
            $serviceAccount = [pscredential]::new('rsa-svc', $rsaKey)

            $credential = Get-VaultCredential -ApiUrl $simulator.Url -ServiceAccount $serviceAccount -CaFile $simulator.CertificatePath -Identity 'CORP\svc_web'

            $credential.GetNetworkCredential().Password | Should -BeExactly (Get-TestPassword -UserName 'svc_web')
        }

        It 'answers piped lookups in input order, with $null for a miss' {
            $inputs = @(
                [pscustomobject]@{ Identity = 'CORP\svc_web' }
                [pscustomobject]@{ Domain = 'CORP'; UserName = 'nobody' }
                [pscustomobject]@{ Domain = 'CORP'; UserName = 'svc_number'; Reason = 'pipeline test' }
            )

            $results = @($inputs | Get-VaultCredential @connection -Verbose 4>&1)

            $verbose = @($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
            $credentials = @($results | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $credentials.Count | Should -Be 3
            $credentials[0].GetNetworkCredential().Password | Should -BeExactly (Get-TestPassword -UserName 'svc_web')
            $credentials[1] | Should -BeNullOrEmpty
            $credentials[2].GetNetworkCredential().Password | Should -BeExactly '00123'
            ($verbose.Message -join "`n") | Should -BeLike '*3 accounts*one batch*'
        }

        It 'reports several matching entries as VaultCredentialAmbiguous' {
            $result = Get-VaultCredential @connection -Identity 'CORP\svc_dup' -ErrorVariable lookupErrors -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $lookupErrors.Count | Should -Be 1
            $lookupErrors[0].FullyQualifiedErrorId | Should -BeLike 'VaultCredentialAmbiguous,*'
            $lookupErrors[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        }

        It 'reports a sealed entry as VaultCredentialNotReleasable' {
            $result = Get-VaultCredential @connection -Identity 'CORP\svc_sealed' -ErrorVariable lookupErrors -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $lookupErrors[0].FullyQualifiedErrorId | Should -BeLike 'VaultCredentialNotReleasable,*'
        }

        It 'stops with VaultAuthenticationFailed for an expired API key' {
            $expiredKey = ConvertTo-TestSecureString -Text $simulator.ApiKeys['nps-svc/expired']

            { Get-VaultCredential -ApiUrl $simulator.Url -ApiKey $expiredKey -CaFile $simulator.CertificatePath -Identity 'CORP\svc_sql' } |
                Should -Throw -ErrorId 'VaultAuthenticationFailed'
        }

        It 'stops with VaultConnectionFailed when the certificate is not trusted' {
            { Get-VaultCredential -ApiUrl $simulator.Url -ApiKey $apiKey -Identity 'CORP\svc_sql' } |
                Should -Throw -ErrorId 'VaultConnectionFailed'
        }

        It 'accepts the right certificate pin and rejects a wrong one' {
            $pin = Get-TestCertificateSha256 -Path $simulator.CertificatePath
            $wrongPin = '00' * 32

            $credential = Get-VaultCredential -ApiUrl $simulator.Url -ApiKey $apiKey -CaFile $simulator.CertificatePath -PinSha256 $pin -Identity 'CORP\svc_web'

            $credential | Should -Not -BeNullOrEmpty
            { Get-VaultCredential -ApiUrl $simulator.Url -ApiKey $apiKey -CaFile $simulator.CertificatePath -PinSha256 $wrongPin -Identity 'CORP\svc_web' } |
                Should -Throw -ErrorId 'VaultConnectionFailed'
        }

        It 'warns and connects when the certificate check is skipped' {
            $credential = Get-VaultCredential -ApiUrl $simulator.Url -ApiKey $apiKey -SkipCertificateCheck -Identity 'CORP\svc_web' -WarningVariable warnings -WarningAction SilentlyContinue

            $credential | Should -Not -BeNullOrEmpty
            ($warnings -join "`n") | Should -BeLike '*not verified*'
        }

        It 'stops with VaultConnectionFailed when nothing listens' {
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            $closedPort = $listener.LocalEndpoint.Port
            $listener.Stop()

            { Get-VaultCredential -ApiUrl "https://127.0.0.1:$closedPort/api/" -ApiKey $apiKey -Identity 'CORP\svc_sql' -TimeoutSec 10 } |
                Should -Throw -ErrorId 'VaultConnectionFailed'
        }

        It 'stops with VaultConnectionFailed when the server does not answer in time' {
            $hangFolder = Join-Path -Path $TestDrive -ChildPath 'hanging-simulator'
            $null = New-Item -Path $hangFolder -ItemType Directory -Force
            $hangArguments = @{
                SimulatorPath  = Get-TestBinaryPath -Name 'psr-sim' -EnvironmentVariable 'PSR_SIM_BINARY'
                FixturePath    = Join-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath 'fixtures') -ChildPath 'module.json'
                WorkFolder     = $hangFolder
                ExtraArguments = @('--fault', '*:hang')
            }
            $hanging = Start-TestSimulator @hangArguments
            try {
                $hangingKey = ConvertTo-TestSecureString -Text $hanging.ApiKeys['nps-svc/nps']
                $started = [System.Diagnostics.Stopwatch]::StartNew()

                # psvault gives up at its own deadline, well before the
                # module's kill after TimeoutSec plus 15 seconds.
                { Get-VaultCredential -ApiUrl $hanging.Url -ApiKey $hangingKey -CaFile $hanging.CertificatePath -Identity 'CORP\svc_sql' -TimeoutSec 2 } |
                    Should -Throw -ErrorId 'VaultConnectionFailed'
                $started.Elapsed.TotalSeconds | Should -BeLessThan 15
            }
            finally {
                Stop-TestSimulator -Simulator $hanging
            }
        }

        It 'fills the NPS credential for the activity session account' {
            $options = @{
                Connector       = @{ Options = [pscustomobject]@{ apiUrl = $simulator.Url; skipCertificateCheck = $false } }
                ActivitySession = [pscustomobject]@{ Id = 'session-7'; LoginAccountName = 'CORP\svc_date' }
            }
            $npsCredential = [pscustomobject]@{ Username = 'nps-svc'; Domain = ''; Password = $apiKeyText }

            $result = Get-VaultCredential -Options $options -Credential $npsCredential -CaFile $simulator.CertificatePath

            [object]::ReferenceEquals($result, $npsCredential) | Should -BeTrue
            $result.Username | Should -BeExactly 'svc_date'
            $result.Domain | Should -BeExactly 'CORP'
            $result.Password | Should -BeExactly '2024-01-31T08:00:00Z'
        }

        It 'returns $null in NPS mode when the session account has no entry' {
            $options = @{
                Connector       = @{ Options = @{ ApiURL = $simulator.Url } }
                ActivitySession = @{ LoginAccountName = 'CORP\nobody' }
            }
            $npsCredential = @{ Username = 'nps-svc'; Password = $apiKeyText }

            $result = Get-VaultCredential -Options $options -Credential $npsCredential -CaFile $simulator.CertificatePath

            $result | Should -BeNullOrEmpty
            $npsCredential['Password'] | Should -BeExactly $apiKeyText
        }

        It 'stops with VaultBinaryNotFound when PSVAULT_BINARY names no file' {
            $working = $env:PSVAULT_BINARY
            $env:PSVAULT_BINARY = Join-Path -Path $TestDrive -ChildPath 'missing-psvault'
            try {
                { Get-VaultCredential @connection -Identity 'CORP\svc_sql' } | Should -Throw -ErrorId 'VaultBinaryNotFound'
            }
            finally {
                $env:PSVAULT_BINARY = $working
            }
        }
    }

    Context 'Test-VaultConnection' {
        It 'passes with a valid API key' {
            $result = Test-VaultConnection @connection

            $result.Success | Should -BeTrue
            $result.ExitCode | Should -Be 0
            $result.ErrorId | Should -BeNullOrEmpty
            $result.ApiUrl | Should -BeExactly $simulator.Url
            $result.PSObject.TypeNames | Should -Contain 'PsVault.ConnectionTest'
        }

        It 'fails with VaultAuthenticationFailed for an expired key' {
            $expiredKey = ConvertTo-TestSecureString -Text $simulator.ApiKeys['nps-svc/expired']

            $result = Test-VaultConnection -ApiUrl $simulator.Url -ApiKey $expiredKey -CaFile $simulator.CertificatePath

            $result.Success | Should -BeFalse
            $result.ExitCode | Should -Be 4
            $result.ErrorId | Should -BeExactly 'VaultAuthenticationFailed'
            $result.Message | Should -Not -BeNullOrEmpty
            $result.Message | Should -Not -BeLike "*$($simulator.ApiKeys['nps-svc/expired'])*"
        }

        It 'returns only a boolean with -Quiet' {
            $passed = Test-VaultConnection @connection -Quiet
            $failed = Test-VaultConnection -ApiUrl $simulator.Url -ApiKey $apiKey -Quiet

            $passed | Should -BeOfType [bool]
            $passed | Should -BeTrue
            $failed | Should -BeFalse
        }

        It 'reads the URL and key from NPS options' {
            $options = [pscustomobject]@{ Connector = [pscustomobject]@{ Options = @{ APIURL = $simulator.Url } } }
            $serviceAccount = [pscredential]::new('nps-svc', $apiKey)

            $result = Test-VaultConnection -Options $options -Credential $serviceAccount -CaFile $simulator.CertificatePath

            $result.Success | Should -BeTrue
        }
    }
}
