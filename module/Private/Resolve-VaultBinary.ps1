function Resolve-VaultBinary {
    <#
    .SYNOPSIS
    Returns the full path of the psvault binary for this machine.

    .DESCRIPTION
    The environment variable PSVAULT_BINARY, when set, names the binary to
    use (for tests and development); it must name an existing file.
    Otherwise the binary is looked up under bin/<platform>/ in the module
    folder, trying the names of Get-VaultPlatformName in order. There is
    no fallback to PATH, so that the module never runs a different psvault
    than the one it ships with.

    Raises the terminating error VaultBinaryNotFound through the calling
    cmdlet when no binary is found.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Cmdlet
    )

    $override = $env:PSVAULT_BINARY
    if (-not [string]::IsNullOrEmpty($override)) {
        if (Test-Path -LiteralPath $override -PathType Leaf) {
            return (Resolve-Path -LiteralPath $override).ProviderPath
        }
        $message = "The environment variable PSVAULT_BINARY names '$override', which is not a file. " +
            'Point it at a psvault binary or remove it to use the binary shipped with the module.'
        $Cmdlet.ThrowTerminatingError((New-VaultErrorRecord -ErrorId 'VaultBinaryNotFound' -Message $message -TargetObject $override))
    }

    $platforms = Get-VaultPlatformName
    $moduleRoot = Split-Path -Path $PSScriptRoot -Parent
    $binFolder = Join-Path -Path $moduleRoot -ChildPath 'bin'
    $fileName = 'psvault'
    if (@($platforms | Where-Object { $_ -like 'win-*' }).Count -gt 0) {
        $fileName = 'psvault.exe'
    }

    $searched = @()
    foreach ($platform in $platforms) {
        $platformFolder = Join-Path -Path $binFolder -ChildPath $platform
        $candidate = Join-Path -Path $platformFolder -ChildPath $fileName
        if (Test-Path -LiteralPath $candidate -PathType Leaf) {
            return $candidate
        }
        $searched += $candidate
    }

    if ($searched.Count -eq 0) {
        $message = 'No psvault binary is built for this platform (builds exist for win-x64, win-arm64, ' +
            'linux-x64, linux-arm64, osx-x64 and osx-arm64). Set PSVAULT_BINARY to a psvault binary built for it.'
    }
    else {
        $message = "The psvault binary is missing; looked for $($searched -join ', '). " +
            'Reinstall the module or set PSVAULT_BINARY to a psvault binary.'
    }
    $Cmdlet.ThrowTerminatingError((New-VaultErrorRecord -ErrorId 'VaultBinaryNotFound' -Message $message -TargetObject $binFolder))
}
