BeforeDiscovery {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestSupport.ps1')
    Import-Module -Name (Get-TestModuleManifestPath) -Force
    $commands = @(Get-Command -Module PsVault -CommandType Function)

    # Parameters that PowerShell adds to every advanced function.
    $commonParameters = @(
        'Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction',
        'ErrorVariable', 'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer',
        'PipelineVariable', 'WhatIf', 'Confirm')
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'TestSupport.ps1')
    Import-Module -Name (Get-TestModuleManifestPath) -Force
}

AfterAll {
    Remove-Module -Name PsVault -Force -ErrorAction SilentlyContinue
}

Describe 'Help of <_.Name>' -ForEach $commands {
    # Runs during discovery, where $_ is the command of this block.
    $parameterNames = @($_.Parameters.Keys | Where-Object { $_ -notin $commonParameters })

    BeforeAll {
        $command = $_
        $help = Get-Help -Name $command.Name -Full
    }

    It 'is an advanced function' {
        $command.CmdletBinding | Should -BeTrue
    }

    It 'has a synopsis of its own' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without comment-based help, Get-Help puts the syntax here.
        $help.Synopsis | Should -Not -BeLike "*$($command.Name) *"
    }

    It 'has a description' {
        ($help.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples with code' {
        $examples = @($help.Examples.Example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.Code | Should -Not -BeNullOrEmpty
        }
    }

    It 'documents parameter <_>' -ForEach $parameterNames {
        $parameterName = $_
        $parameterHelp = @($help.Parameters.Parameter | Where-Object { $_.Name -eq $parameterName })
        $parameterHelp.Count | Should -Be 1
        ($parameterHelp[0].Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'declares its output types' {
        $command.OutputType.Count | Should -BeGreaterThan 0
    }
}
