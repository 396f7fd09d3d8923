function Get-VaultRemainingMilliseconds {
    <#
    .SYNOPSIS
    Returns the milliseconds left until a UTC deadline, at least zero.
    #>
    [CmdletBinding()]
    [OutputType([int])]
    param(
        [Parameter(Mandatory)]
        [datetime] $Deadline
    )

    $remaining = ($Deadline - [System.DateTime]::UtcNow).TotalMilliseconds
    if ($remaining -le 0) {
        return 0
    }
    [int][System.Math]::Min($remaining, [double][int]::MaxValue)
}
