BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestSupport.ps1')
    $manifestPath = Get-TestModuleManifestPath
    $moduleFolder = Split-Path -Path $manifestPath -Parent
    $manifestData = Import-PowerShellDataFile -Path $manifestPath
}

Describe 'PsVault manifest' {
    It 'passes Test-ModuleManifest' {
        $manifest = Test-ModuleManifest -Path $manifestPath -ErrorAction Stop
        $manifest.Name | Should -Be 'PsVault'
    }

    It 'loads PsVault.psm1 as root module' {
        $manifestData.RootModule | Should -Be 'PsVault.psm1'
    }

    It 'has the version of the psvault crate' {
        $cargoToml = Get-Content -LiteralPath (Join-Path -Path (Get-TestRepositoryRoot) -ChildPath 'Cargo.toml') -Raw
        $match = [regex]::Match($cargoToml, '(?ms)^\[workspace\.package\].*?^version\s*=\s*"([^"]+)"')
        $match.Success | Should -BeTrue
        $manifestData.ModuleVersion | Should -Be $match.Groups[1].Value
    }

    It 'supports Windows PowerShell 5.1 and PowerShell 7' {
        @($manifestData.CompatiblePSEditions | Sort-Object) | Should -Be @('Core', 'Desktop')
        $manifestData.PowerShellVersion | Should -Be '5.1'
    }

    It 'lists every public function by name' {
        $publicFolder = Join-Path -Path $moduleFolder -ChildPath 'Public'
        $expected = @(Get-ChildItem -Path $publicFolder -Filter '*.ps1' -File | ForEach-Object { $_.BaseName } | Sort-Object)
        @($manifestData.FunctionsToExport | Sort-Object) | Should -Be $expected
    }

    It 'exports no <_>' -ForEach @('CmdletsToExport', 'VariablesToExport', 'AliasesToExport') {
        $manifestData.ContainsKey($_) | Should -BeTrue
        @($manifestData[$_]).Count | Should -Be 0
    }
}

Describe 'PsVault module import' {
    BeforeAll {
        $module = Import-Module -Name $manifestPath -Force -PassThru
    }

    AfterAll {
        Remove-Module -Name PsVault -Force -ErrorAction SilentlyContinue
    }

    It 'exports exactly the manifest functions' {
        @($module.ExportedFunctions.Keys | Sort-Object) | Should -Be @($manifestData.FunctionsToExport | Sort-Object)
        $module.ExportedCmdlets.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
    }

    It 'keeps private helper <_> private' -ForEach @('Invoke-VaultProcess', 'Resolve-VaultBinary', 'ConvertTo-VaultRequestBytes') {
        Get-Command -Name $_ -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'names a platform folder for this machine' {
        # ForEach-Object flattens the array that the function returns as one object.
        $platforms = @(InModuleScope PsVault { Get-VaultPlatformName } | ForEach-Object { $_ })
        $platforms.Count | Should -BeGreaterThan 0
        foreach ($platform in $platforms) {
            $platform | Should -BeIn @('win-x64', 'win-arm64', 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64')
        }
    }

    It 'changes no preference variables and no TLS settings' {
        $protocolsBefore = [System.Net.ServicePointManager]::SecurityProtocol
        $errorActionBefore = $ErrorActionPreference
        $verboseBefore = $VerbosePreference
        Import-Module -Name $manifestPath -Force
        [System.Net.ServicePointManager]::SecurityProtocol | Should -Be $protocolsBefore
        $ErrorActionPreference | Should -Be $errorActionBefore
        $VerbosePreference | Should -Be $verboseBefore
    }
}
