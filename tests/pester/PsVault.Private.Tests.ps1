# Unit tests of the module's private helpers and of Get-VaultCredential
# with the psvault calls mocked. They need no psvault binary; the process
# tests run the current PowerShell executable as a stand-in child.

BeforeDiscovery {
    # Test cases call Get-TestPassword while Pester discovers them.
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestSupport.ps1')
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestSupport.ps1')
    Import-Module -Name (Get-TestModuleManifestPath) -Force

    # Helpers that need $PSCmdlet get it from this advanced function,
    # defined in the module's scope so that it can call private functions.
    InModuleScope PsVault {
        function script:Invoke-TestWithCmdlet {
            [CmdletBinding()]
            param(
                [Parameter(Mandatory)]
                [scriptblock] $ScriptBlock
            )
            & $ScriptBlock $PSCmdlet
        }
    }

    function ConvertTo-TestBase64 {
        param(
            [Parameter(Mandatory)]
            [AllowEmptyString()]
            [string] $Text
        )
        [System.Convert]::ToBase64String([System.Text.UTF8Encoding]::new($false).GetBytes($Text))
    }

    function New-TestFoundLine {
        # A json-base64 result line of psvault for the given values.
        param(
            [string] $Domain,
            [string] $UserName,
            [string] $Password
        )
        '{{"domain":"{0}","username":"{1}","password":"{2}","id":"7f1c","name":"{3}"}}' -f @(
            (ConvertTo-TestBase64 -Text $Domain),
            (ConvertTo-TestBase64 -Text $UserName),
            (ConvertTo-TestBase64 -Text $Password),
            (ConvertTo-TestBase64 -Text 'Test entry'))
    }

    $powerShellPath = (Get-Process -Id $PID).Path
}

AfterAll {
    Remove-Module -Name PsVault -Force -ErrorAction SilentlyContinue
}

Describe 'ConvertFrom-VaultBase64' {
    It 'returns <Name> byte-identical' -ForEach @(
        @{ Name = 'a date'; Value = '2024-01-31T08:00:00Z' }
        @{ Name = 'a number with leading zeros'; Value = '00123' }
        @{ Name = 'a boolean word'; Value = 'true' }
        @{ Name = 'surrounding spaces'; Value = '  spaces around  ' }
        @{ Name = 'an empty string'; Value = '' }
        @{ Name = 'non-ASCII text'; Value = (Get-TestPassword -UserName 'svc_sql') }
    ) {
        $encoded = ConvertTo-TestBase64 -Text $Value
        $decoded = InModuleScope PsVault -Parameters @{ Encoded = $encoded } {
            param($Encoded)
            ConvertFrom-VaultBase64 -Base64 $Encoded
        }
        $decoded | Should -BeOfType [string]
        $decoded | Should -BeExactly $Value
    }

    It 'rejects bytes that are not UTF-8' {
        $invalid = [System.Convert]::ToBase64String([byte[]]@(0x41, 0xC3, 0x28))
        {
            InModuleScope PsVault -Parameters @{ Encoded = $invalid } {
                param($Encoded)
                ConvertFrom-VaultBase64 -Base64 $Encoded
            }
        } | Should -Throw
    }
}

Describe 'ConvertTo-VaultCredentialOutput' {
    It 'keeps a <Name> password byte-identical' -ForEach @(
        @{ Name = 'date-like'; Password = '2024-01-31T08:00:00Z' }
        @{ Name = 'numeric'; Password = '00123' }
        @{ Name = 'boolean'; Password = 'true' }
        @{ Name = 'Unicode'; Password = (Get-TestPassword -UserName 'svc_sql') }
    ) {
        $line = New-TestFoundLine -Domain 'CORP' -UserName 'svc_test' -Password $Password
        $outputs = InModuleScope PsVault -Parameters @{ Line = $line } {
            param($Line)
            $value = ConvertFrom-VaultJsonLine -Line $Line
            ConvertTo-VaultCredentialOutput -Value $value
            ConvertTo-VaultCredentialOutput -Value $value -AsPlainText
        }

        $outputs[0] | Should -BeOfType [pscredential]
        $outputs[0].UserName | Should -BeExactly 'CORP\svc_test'
        $outputs[0].GetNetworkCredential().Password | Should -BeExactly $Password

        $outputs[1].PSObject.TypeNames | Should -Contain 'PsVault.PlainTextCredential'
        $outputs[1].Password | Should -BeOfType [string]
        $outputs[1].Password | Should -BeExactly $Password
        $outputs[1].Domain | Should -BeExactly 'CORP'
        $outputs[1].UserName | Should -BeExactly 'svc_test'
        $outputs[1].Id | Should -BeExactly '7f1c'
        $outputs[1].Name | Should -BeExactly 'Test entry'
    }

    It 'uses the bare user name when the entry has no domain' {
        $line = New-TestFoundLine -Domain '' -UserName 'localadmin' -Password 'x'
        $credential = InModuleScope PsVault -Parameters @{ Line = $line } {
            param($Line)
            ConvertTo-VaultCredentialOutput -Value (ConvertFrom-VaultJsonLine -Line $Line)
        }
        $credential.UserName | Should -BeExactly 'localadmin'
    }
}

Describe 'ConvertTo-VaultRequestBytes' {
    It 'writes UTF-8 JSON without BOM and with the API key first' {
        $key = ConvertTo-TestSecureString -Text ('jwt.part:key"with\quote' + [char]0x01)
        $bytes = InModuleScope PsVault -Parameters @{ Key = $key } {
            param($Key)
            ConvertTo-VaultRequestBytes -InputObject @([ordered]@{ identity = 'CORP\svc_sql'; reason = 'caf' + [char]0x00E9 }) -ApiKey $Key
        }
        $bytes | Should -BeOfType [byte]
        $bytes[0] | Should -Be 0x7B
        $text = [System.Text.UTF8Encoding]::new($false, $true).GetString($bytes)
        $text.StartsWith('{"apiKey":"jwt.part:key\"with\\quote\u0001",') | Should -BeTrue
        $text.EndsWith("}`n") | Should -BeTrue
        $request = ConvertFrom-Json -InputObject $text
        $request.apiKey | Should -BeExactly ('jwt.part:key"with\quote' + [char]0x01)
        $request.identity | Should -BeExactly 'CORP\svc_sql'
        $request.reason | Should -BeExactly ('caf' + [char]0x00E9)
    }

    It 'writes one line per object for a batch' {
        $key = ConvertTo-TestSecureString -Text 'k'
        $bytes = InModuleScope PsVault -Parameters @{ Key = $key } {
            param($Key)
            $lines = @(
                [ordered]@{ url = 'https://pws.example.com/api/' }
                [ordered]@{ identity = 'CORP\a'; tag = 0 }
                [ordered]@{ identity = 'CORP\b'; tag = 1 }
            )
            ConvertTo-VaultRequestBytes -InputObject $lines -ApiKey $Key
        }
        $text = [System.Text.Encoding]::UTF8.GetString($bytes)
        $lines = $text.TrimEnd("`n").Split("`n")
        $lines.Count | Should -Be 3
        $lines[0] | Should -BeExactly '{"apiKey":"k","url":"https://pws.example.com/api/"}'
        (ConvertFrom-Json -InputObject $lines[2]).tag | Should -Be 1
    }

    It 'handles an object without other members' {
        $key = ConvertTo-TestSecureString -Text 'k'
        $bytes = InModuleScope PsVault -Parameters @{ Key = $key } {
            param($Key)
            ConvertTo-VaultRequestBytes -InputObject @([ordered]@{}) -ApiKey $Key
        }
        [System.Text.Encoding]::UTF8.GetString($bytes) | Should -BeExactly ('{"apiKey":"k"}' + "`n")
    }
}

Describe 'Get-VaultMemberValue and Set-VaultMemberValue' {
    It 'finds a key in a case-sensitive dictionary regardless of case' {
        $value = InModuleScope PsVault {
            $options = [System.Collections.Hashtable]::new([System.StringComparer]::Ordinal)
            $options['ApiURL'] = 'https://pws.example.com/api/'
            Get-VaultMemberValue -InputObject $options -Name 'apiurl'
        }
        $value | Should -BeExactly 'https://pws.example.com/api/'
    }

    It 'finds a property of a PSCustomObject regardless of case' {
        $value = InModuleScope PsVault {
            Get-VaultMemberValue -InputObject ([pscustomobject]@{ skipcertificatecheck = $true }) -Name 'SkipCertificateCheck'
        }
        $value | Should -BeTrue
    }

    It 'returns $null for a missing member or a $null object' {
        $values = InModuleScope PsVault {
            Get-VaultMemberValue -InputObject @{ a = 1 } -Name 'b'
            Get-VaultMemberValue -InputObject $null -Name 'b'
        }
        @($values | Where-Object { $null -ne $_ }).Count | Should -Be 0
    }

    It 'overwrites a member in its existing spelling' {
        $result = InModuleScope PsVault {
            $table = @{ username = 'old' }
            $object = [pscustomobject]@{ USERNAME = 'old' }
            Set-VaultMemberValue -InputObject $table -Name 'Username' -Value 'new'
            Set-VaultMemberValue -InputObject $object -Name 'Username' -Value 'new'
            Set-VaultMemberValue -InputObject $object -Name 'Domain' -Value 'CORP'
            [pscustomobject]@{ Table = $table; Object = $object }
        }
        @($result.Table.Keys) | Should -Be @('username')
        $result.Table['username'] | Should -BeExactly 'new'
        @($result.Object.PSObject.Properties.Name) | Should -Be @('USERNAME', 'Domain')
        $result.Object.USERNAME | Should -BeExactly 'new'
    }
}

Describe 'ConvertTo-VaultBoolean' {
    It 'reads <Value> as <Expected>' -ForEach @(
        @{ Value = $true; Expected = $true }
        @{ Value = 'True'; Expected = $true }
        @{ Value = ' yes '; Expected = $true }
        @{ Value = 1; Expected = $true }
        @{ Value = 'false'; Expected = $false }
        @{ Value = ''; Expected = $false }
        @{ Value = 0; Expected = $false }
        @{ Value = $null; Expected = $false }
    ) {
        $result = InModuleScope PsVault -Parameters @{ Value = $Value } {
            param($Value)
            ConvertTo-VaultBoolean -Value $Value
        }
        $result | Should -Be $Expected
    }
}

Describe 'Resolve-VaultLookup' {
    It 'builds <Name>' -ForEach @(
        @{ Name = 'an identity lookup'; Identity = 'CORP\svc_sql'; Domain = ''; UserName = ''; Expected = '{"identity":"CORP\\svc_sql"}' }
        @{ Name = 'a domain and user lookup'; Identity = ''; Domain = 'CORP'; UserName = 'svc_sql'; Expected = '{"domain":"CORP","user":"svc_sql"}' }
        @{ Name = 'a user-only lookup'; Identity = ''; Domain = ''; UserName = 'svc_sql'; Expected = '{"user":"svc_sql"}' }
    ) {
        $lookup = InModuleScope PsVault -Parameters @{ Identity = $Identity; Domain = $Domain; UserName = $UserName } {
            param($Identity, $Domain, $UserName)
            Resolve-VaultLookup -Identity $Identity -Domain $Domain -UserName $UserName
        }
        $lookup.ErrorRecord | Should -BeNullOrEmpty
        ConvertTo-Json -InputObject $lookup.Request -Compress | Should -BeExactly $Expected
    }

    It 'rejects <Name>' -ForEach @(
        @{ Name = 'an identity with a user name'; Identity = 'CORP\a'; UserName = 'b' }
        @{ Name = 'no account'; Identity = ''; UserName = '' }
    ) {
        $lookup = InModuleScope PsVault -Parameters @{ Identity = $Identity; UserName = $UserName } {
            param($Identity, $UserName)
            Resolve-VaultLookup -Identity $Identity -UserName $UserName
        }
        $lookup.Request | Should -BeNullOrEmpty
        $lookup.ErrorRecord.FullyQualifiedErrorId | Should -BeExactly 'VaultInvalidInput'
        $lookup.ErrorRecord.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'New-VaultErrorRecord' {
    It 'maps exit code <ExitCode> to <ErrorId> and <Category>' -ForEach @(
        @{ ExitCode = 2; ErrorId = 'VaultInvalidInput'; Category = 'InvalidArgument' }
        @{ ExitCode = 3; ErrorId = 'VaultCredentialAmbiguous'; Category = 'InvalidResult' }
        @{ ExitCode = 4; ErrorId = 'VaultAuthenticationFailed'; Category = 'AuthenticationError' }
        @{ ExitCode = 5; ErrorId = 'VaultCredentialNotReleasable'; Category = 'PermissionDenied' }
        @{ ExitCode = 6; ErrorId = 'VaultConnectionFailed'; Category = 'ConnectionError' }
        @{ ExitCode = 7; ErrorId = 'VaultServerError'; Category = 'ProtocolError' }
        @{ ExitCode = 101; ErrorId = 'VaultServerError'; Category = 'ProtocolError' }
    ) {
        $record = InModuleScope PsVault -Parameters @{ ExitCode = $ExitCode } {
            param($ExitCode)
            $errorId = Get-VaultErrorIdForExitCode -ExitCode $ExitCode
            New-VaultErrorRecord -ErrorId $errorId -Message 'test message' -TargetObject 'CORP\svc_sql'
        }
        $record.FullyQualifiedErrorId | Should -BeExactly $ErrorId
        $record.CategoryInfo.Category | Should -Be $Category
        $record.Exception.Message | Should -BeExactly 'test message'
        $record.TargetObject | Should -BeExactly 'CORP\svc_sql'
    }

    It 'maps <ErrorId> to <Category>' -ForEach @(
        @{ ErrorId = 'VaultBinaryNotFound'; Category = 'NotInstalled' }
        @{ ErrorId = 'VaultTimeout'; Category = 'OperationTimeout' }
    ) {
        $record = InModuleScope PsVault -Parameters @{ ErrorId = $ErrorId } {
            param($ErrorId)
            New-VaultErrorRecord -ErrorId $ErrorId -Message 'test message'
        }
        $record.FullyQualifiedErrorId | Should -BeExactly $ErrorId
        $record.CategoryInfo.Category | Should -Be $Category
    }

    It 'reads the message of the JSON error report on stderr' {
        $record = InModuleScope PsVault {
            $standardError = "psvault: login failed`n" +
                '{"errorId":"VaultAuthenticationFailed","class":"authentication","exitCode":4,"message":"the API key expired"}' + "`n"
            $result = [pscustomobject]@{ ExitCode = 4; StandardOutput = ''; StandardError = $standardError }
            New-VaultProcessErrorRecord -Result $result -TargetObject 'CORP\svc_sql'
        }
        $record.FullyQualifiedErrorId | Should -BeExactly 'VaultAuthenticationFailed'
        $record.Exception.Message | Should -BeExactly 'the API key expired'
    }
}

Describe 'Invoke-VaultProcess' {
    It 'sends the request as UTF-8 without BOM and reads UTF-8 output' {
        # The child echoes its stdin as hex and then prints non-ASCII text
        # as UTF-8 bytes, whatever the console code page is.
        $childScript = @'
$stdin = [Console]::OpenStandardInput()
$buffer = New-Object System.IO.MemoryStream
$stdin.CopyTo($buffer)
$text = [BitConverter]::ToString($buffer.ToArray()) + '|' + [char]0x00E4 + [char]::ConvertFromUtf32(0x1F600)
$bytes = (New-Object System.Text.UTF8Encoding $false).GetBytes($text)
$stdout = [Console]::OpenStandardOutput()
$stdout.Write($bytes, 0, $bytes.Length)
$stdout.Flush()
exit 3
'@
        $encodedCommand = [System.Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($childScript))
        $key = ConvertTo-TestSecureString -Text 'secret-key'
        $parameters = @{ FilePath = $powerShellPath; EncodedCommand = $encodedCommand; Key = $key }
        $result = InModuleScope PsVault -Parameters $parameters {
            param($FilePath, $EncodedCommand, $Key)
            Invoke-TestWithCmdlet {
                param($Cmdlet)
                $processArguments = @{
                    Cmdlet       = $Cmdlet
                    FilePath     = $FilePath
                    ArgumentList = @('-NoProfile', '-NonInteractive', '-EncodedCommand', $EncodedCommand)
                    InputObject  = @([ordered]@{ identity = 'CORP\svc_sql' })
                    ApiKey       = $Key
                    TimeoutSec   = 60
                }
                Invoke-VaultProcess @processArguments
            }
        }

        $result.ExitCode | Should -Be 3
        $match = [regex]::Match($result.StandardOutput, '(?<hex>[0-9A-F]{2}(?:-[0-9A-F]{2})*)\|(?<text>\S+)')
        $match.Success | Should -BeTrue
        $match.Groups['text'].Value | Should -BeExactly ([string][char]0x00E4 + [char]::ConvertFromUtf32(0x1F600))

        $expectedText = '{"apiKey":"secret-key","identity":"CORP\\svc_sql"}' + "`n"
        $expectedHex = [System.BitConverter]::ToString([System.Text.UTF8Encoding]::new($false).GetBytes($expectedText))
        $receivedHex = $match.Groups['hex'].Value
        # .NET Framework writes the preamble of Console.InputEncoding to a
        # child's stdin when the console code page is UTF-8 with BOM; that
        # is outside the module's control, and psvault skips it.
        if ($PSVersionTable.PSEdition -eq 'Desktop' -and [Console]::InputEncoding.GetPreamble().Length -gt 0) {
            $receivedHex = $receivedHex -replace '^EF-BB-BF-', ''
        }
        $receivedHex | Should -BeExactly $expectedHex
    }

    It 'stops a child that runs past the timeout with VaultTimeout' {
        $parameters = @{ FilePath = $powerShellPath }
        $started = [System.Diagnostics.Stopwatch]::StartNew()
        {
            InModuleScope PsVault -Parameters $parameters {
                param($FilePath)
                Invoke-TestWithCmdlet {
                    param($Cmdlet)
                    $processArguments = @{
                        Cmdlet       = $Cmdlet
                        FilePath     = $FilePath
                        ArgumentList = @('-NoProfile', '-NonInteractive', '-Command', 'Start-Sleep', '-Seconds', '120')
                        InputObject  = @([ordered]@{})
                        TimeoutSec   = 3
                    }
                    Invoke-VaultProcess @processArguments
                }
            }
        } | Should -Throw -ErrorId 'VaultTimeout'
        $started.Elapsed.TotalSeconds | Should -BeLessThan 60
    }

    It 'raises VaultBinaryNotFound when the file cannot be started' {
        $missing = Join-Path -Path $TestDrive -ChildPath 'no-such-psvault'
        {
            InModuleScope PsVault -Parameters @{ FilePath = $missing } {
                param($FilePath)
                Invoke-TestWithCmdlet {
                    param($Cmdlet)
                    Invoke-VaultProcess -Cmdlet $Cmdlet -FilePath $FilePath -ArgumentList @('get') -InputObject @([ordered]@{}) -TimeoutSec 10
                }
            }
        } | Should -Throw -ErrorId 'VaultBinaryNotFound'
    }
}

Describe 'Resolve-VaultBinary' {
    BeforeEach {
        $savedBinary = $env:PSVAULT_BINARY
    }

    AfterEach {
        $env:PSVAULT_BINARY = $savedBinary
    }

    It 'uses the file named by PSVAULT_BINARY' {
        $fake = Join-Path -Path $TestDrive -ChildPath 'psvault-fake'
        Set-Content -LiteralPath $fake -Value 'not a binary'
        $env:PSVAULT_BINARY = $fake
        $resolved = InModuleScope PsVault {
            Invoke-TestWithCmdlet {
                param($Cmdlet)
                Resolve-VaultBinary -Cmdlet $Cmdlet
            }
        }
        $resolved | Should -BeExactly (Resolve-Path -LiteralPath $fake).ProviderPath
    }

    It 'raises VaultBinaryNotFound when PSVAULT_BINARY names no file' {
        $env:PSVAULT_BINARY = Join-Path -Path $TestDrive -ChildPath 'missing-psvault'
        {
            InModuleScope PsVault {
                Invoke-TestWithCmdlet {
                    param($Cmdlet)
                    Resolve-VaultBinary -Cmdlet $Cmdlet
                }
            }
        } | Should -Throw -ErrorId 'VaultBinaryNotFound'
    }

    It 'raises VaultBinaryNotFound when bin holds no build for the platform' {
        $env:PSVAULT_BINARY = $null
        {
            InModuleScope PsVault {
                Mock -CommandName Get-VaultPlatformName -MockWith { , @('test-platform') }
                Invoke-TestWithCmdlet {
                    param($Cmdlet)
                    Resolve-VaultBinary -Cmdlet $Cmdlet
                }
            }
        } | Should -Throw -ErrorId 'VaultBinaryNotFound'
    }
}

Describe 'Get-VaultCredential with psvault mocked' {
    BeforeAll {
        $apiKeyText = 'header.payload.signature:c2VjcmV0LWtleQ=='
        $apiKey = ConvertTo-TestSecureString -Text $apiKeyText
        $foundValue = ConvertFrom-Json -InputObject (New-TestFoundLine -Domain 'CORP' -UserName 'svc_sql' -Password '00123')
    }

    BeforeEach {
        Mock -CommandName Resolve-VaultBinary -ModuleName PsVault -MockWith { 'psvault-test-binary' }
    }

    It 'sends one lookup to psvault get' {
        Mock -CommandName Invoke-VaultGet -ModuleName PsVault -MockWith { [pscustomobject]@{ Status = 'found'; Value = $foundValue; ErrorRecord = $null } }
        Mock -CommandName Invoke-VaultBatch -ModuleName PsVault -MockWith { throw 'batch must not run for one lookup' }

        $credential = Get-VaultCredential -ApiUrl 'https://pws.example.com/api/' -ApiKey $apiKey -Identity 'CORP\svc_sql' -Reason 'ticket 42'

        $credential.UserName | Should -BeExactly 'CORP\svc_sql'
        $credential.GetNetworkCredential().Password | Should -BeExactly '00123'
        Should -Invoke -CommandName Invoke-VaultGet -ModuleName PsVault -Times 1 -Exactly -ParameterFilter {
            $Lookup['identity'] -eq 'CORP\svc_sql' -and $Lookup['reason'] -eq 'ticket 42' -and
            $Connection['format'] -eq 'json-base64' -and $Connection['url'] -eq 'https://pws.example.com/api/'
        }
    }

    It 'sends piped lookups to one batch and keeps their order' {
        Mock -CommandName Invoke-VaultGet -ModuleName PsVault -MockWith { throw 'get must not run for several lookups' }
        Mock -CommandName Invoke-VaultBatch -ModuleName PsVault -MockWith {
            [pscustomobject]@{ Status = 'found'; Value = $foundValue; ErrorRecord = $null }
            [pscustomobject]@{ Status = 'not_found'; Value = $null; ErrorRecord = $null }
            [pscustomobject]@{ Status = 'found'; Value = $foundValue; ErrorRecord = $null }
        }
        $inputs = @(
            [pscustomobject]@{ Identity = 'CORP\svc_sql' }
            [pscustomobject]@{ Domain = 'CORP'; UserName = 'svc_missing' }
            [pscustomobject]@{ Identity = 'CORP\svc_sql'; Reason = 'own reason' }
        )

        $results = @($inputs | Get-VaultCredential -ApiUrl 'https://pws.example.com/api/' -ApiKey $apiKey)

        $results.Count | Should -Be 3
        $results[0] | Should -BeOfType [pscredential]
        $results[1] | Should -BeNullOrEmpty
        $results[2] | Should -BeOfType [pscredential]
        Should -Invoke -CommandName Invoke-VaultBatch -ModuleName PsVault -Times 1 -Exactly -ParameterFilter {
            $Lookup.Count -eq 3 -and
            $Lookup[1].Request['domain'] -eq 'CORP' -and $Lookup[1].Request['user'] -eq 'svc_missing' -and
            $Lookup[2].Request['reason'] -eq 'own reason'
        }
    }

    It 'reports an invalid pipeline input and still answers the others' {
        Mock -CommandName Invoke-VaultGet -ModuleName PsVault -MockWith { [pscustomobject]@{ Status = 'found'; Value = $foundValue; ErrorRecord = $null } }
        $inputs = @(
            [pscustomobject]@{ Identity = 'CORP\svc_sql'; UserName = 'svc_sql' }
            [pscustomobject]@{ Identity = 'CORP\svc_sql' }
        )

        $results = @($inputs | Get-VaultCredential -ApiUrl 'https://pws.example.com/api/' -ApiKey $apiKey -ErrorVariable lookupErrors -ErrorAction SilentlyContinue)

        $results.Count | Should -Be 2
        $results[0] | Should -BeNullOrEmpty
        $results[1] | Should -BeOfType [pscredential]
        $lookupErrors.Count | Should -Be 1
        $lookupErrors[0].FullyQualifiedErrorId | Should -BeLike 'VaultInvalidInput*'
    }

    It 'fills the NPS credential object and names the activity session' {
        Mock -CommandName Invoke-VaultGet -ModuleName PsVault -MockWith { [pscustomobject]@{ Status = 'found'; Value = $foundValue; ErrorRecord = $null } }
        $options = @{
            connector       = @{ options = [pscustomobject]@{ apiurl = 'https://pws.example.com/api/'; SkipCertificateCheck = 'false' } }
            ActivitySession = [pscustomobject]@{ Id = 42; LoginAccountName = 'CORP\svc_sql' }
        }
        $npsCredential = [pscustomobject]@{ UserName = 'svc_nps'; Domain = 'CORP'; Password = $apiKeyText }

        $result = Get-VaultCredential -Options $options -Credential $npsCredential

        [object]::ReferenceEquals($result, $npsCredential) | Should -BeTrue
        $result.UserName | Should -BeExactly 'svc_sql'
        $result.Domain | Should -BeExactly 'CORP'
        $result.Password | Should -BeOfType [string]
        $result.Password | Should -BeExactly '00123'
        Should -Invoke -CommandName Invoke-VaultGet -ModuleName PsVault -Times 1 -Exactly -ParameterFilter {
            $Lookup['identity'] -eq 'CORP\svc_sql' -and
            $Lookup['reason'] -eq 'NPS activity session 42' -and
            -not $Connection.Contains('insecureSkipCertificateCheck') -and
            [pscredential]::new('x', $ApiKey).GetNetworkCredential().Password -eq $apiKeyText
        }
    }

    It 'keeps a SecureString password on an NPS hashtable credential' {
        Mock -CommandName Invoke-VaultGet -ModuleName PsVault -MockWith { [pscustomobject]@{ Status = 'found'; Value = $foundValue; ErrorRecord = $null } }
        $options = [pscustomobject]@{ Connector = [pscustomobject]@{ Options = @{ ApiURL = 'https://pws.example.com/api/' } } }
        $npsCredential = @{ username = 'svc_sql'; domain = 'CORP'; password = [System.Security.SecureString]::new() }

        $result = Get-VaultCredential -Options $options -Credential $npsCredential -ApiKey $apiKey

        [object]::ReferenceEquals($result, $npsCredential) | Should -BeTrue
        @($result.Keys | Sort-Object) | Should -Be @('domain', 'password', 'username')
        $result['password'] | Should -BeOfType [System.Security.SecureString]
        ConvertFrom-TestSecureString -SecureString $result['password'] | Should -BeExactly '00123'
        Should -Invoke -CommandName Invoke-VaultGet -ModuleName PsVault -Times 1 -Exactly -ParameterFilter {
            $Lookup['domain'] -eq 'CORP' -and $Lookup['user'] -eq 'svc_sql'
        }
    }

    It 'returns $null and leaves the NPS credential unchanged when nothing matches' {
        Mock -CommandName Invoke-VaultGet -ModuleName PsVault -MockWith { [pscustomobject]@{ Status = 'not_found'; Value = $null; ErrorRecord = $null } }
        $options = @{
            Connector       = @{ Options = @{ ApiURL = 'https://pws.example.com/api/' } }
            ActivitySession = @{ LoginAccountName = 'CORP\svc_missing' }
        }
        $npsCredential = [pscustomobject]@{ UserName = 'svc_nps'; Domain = 'CORP'; Password = $apiKeyText }

        $result = Get-VaultCredential -Options $options -Credential $npsCredential

        $result | Should -BeNullOrEmpty
        $npsCredential.UserName | Should -BeExactly 'svc_nps'
        $npsCredential.Password | Should -BeExactly $apiKeyText
    }

    It 'raises VaultInvalidInput when the NPS options have no ApiURL' {
        $options = @{ Connector = @{ Options = @{} }; ActivitySession = @{ LoginAccountName = 'CORP\svc_sql' } }
        $npsCredential = [pscustomobject]@{ UserName = 'svc_nps'; Password = $apiKeyText }
        { Get-VaultCredential -Options $options -Credential $npsCredential } | Should -Throw -ErrorId 'VaultInvalidInput'
    }

    It 'raises VaultInvalidInput when NPS passes no session and no API key is given' {
        $options = @{ Connector = @{ Options = @{ ApiURL = 'https://pws.example.com/api/' } } }
        $npsCredential = [pscustomobject]@{ UserName = 'svc_sql'; Domain = 'CORP'; Password = '' }
        { Get-VaultCredential -Options $options -Credential $npsCredential } | Should -Throw -ErrorId 'VaultInvalidInput'
    }

    It 'logs to Add-SbPAMActionLog without the API key or password' {
        # NPS defines Add-SbPAMActionLog globally in its action scripts; this
        # stand-in records the messages in a global list for the test.
        $global:PsVaultTestActionLog = [System.Collections.Generic.List[string]]::new()
        function global:Add-SbPAMActionLog {
            param([string] $Message)
            $global:PsVaultTestActionLog.Add($Message)
        }
        try {
            Mock -CommandName Invoke-VaultGet -ModuleName PsVault -MockWith { [pscustomobject]@{ Status = 'found'; Value = $foundValue; ErrorRecord = $null } }
            $null = Get-VaultCredential -ApiUrl 'https://pws.example.com/api/' -ApiKey $apiKey -Identity 'CORP\svc_sql'
            $logText = $global:PsVaultTestActionLog -join "`n"
        }
        finally {
            Remove-Item -Path 'Function:\Add-SbPAMActionLog' -ErrorAction SilentlyContinue
            Remove-Variable -Name 'PsVaultTestActionLog' -Scope Global -ErrorAction SilentlyContinue
        }

        $logText | Should -BeLike '*PsVault: *CORP\svc_sql*'
        $logText | Should -Not -BeLike "*$apiKeyText*"
        $logText | Should -Not -BeLike '*00123*'
    }
}
