function ConvertTo-VaultBoolean {
    <#
    .SYNOPSIS
    Reads an NPS option value as a boolean.

    .DESCRIPTION
    Connector options arrive as booleans, numbers or strings depending on
    how NPS stored them. True are $true, non-zero numbers and the strings
    'true', '1', 'yes' and 'on' in any case; everything else, including
    $null, is false.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [AllowNull()]
        [object] $Value
    )

    if ($null -eq $Value) {
        return $false
    }
    if ($Value -is [bool]) {
        return $Value
    }
    if ($Value -is [System.Management.Automation.SwitchParameter]) {
        return $Value.IsPresent
    }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [double]) {
        return $Value -ne 0
    }
    $text = ([string]$Value).Trim()
    return $text -in @('true', '1', 'yes', 'on')
}
