function Get-VaultPlatformName {
    <#
    .SYNOPSIS
    Returns the bin/<platform> folder names that can run on this machine.

    .DESCRIPTION
    Names are win-x64, win-arm64, linux-x64, linux-arm64, osx-x64 and
    osx-arm64, most preferred first. Windows on Arm and macOS on Apple
    silicon also run x64 binaries through emulation, so the x64 name
    follows the native one there. Returns an empty array on platforms
    without a build (32-bit Windows, other architectures).

    Windows PowerShell 5.1 has no $IsWindows variable and runs only on
    Windows; the platform variables are read only under PowerShell 6 and
    later. The processor architecture comes from the environment on
    Windows, where a 32-bit PowerShell sees the machine's architecture in
    PROCESSOR_ARCHITEW6432, and from RuntimeInformation elsewhere.
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param()

    $operatingSystem = $null
    if ($PSVersionTable.PSEdition -ne 'Core') {
        $operatingSystem = 'win'
    }
    elseif ($IsWindows) {
        $operatingSystem = 'win'
    }
    elseif ($IsMacOS) {
        $operatingSystem = 'osx'
    }
    elseif ($IsLinux) {
        $operatingSystem = 'linux'
    }
    else {
        return , @()
    }

    if ($operatingSystem -eq 'win') {
        $architecture = $env:PROCESSOR_ARCHITEW6432
        if ([string]::IsNullOrEmpty($architecture)) {
            $architecture = $env:PROCESSOR_ARCHITECTURE
        }
    }
    else {
        $architecture = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString()
    }

    switch ($architecture) {
        { $_ -in @('AMD64', 'X64') } {
            return , @("$operatingSystem-x64")
        }
        'ARM64' {
            if ($operatingSystem -eq 'linux') {
                return , @('linux-arm64')
            }
            return , @("$operatingSystem-arm64", "$operatingSystem-x64")
        }
    }

    return , @()
}
