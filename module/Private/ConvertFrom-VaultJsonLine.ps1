function ConvertFrom-VaultJsonLine {
    <#
    .SYNOPSIS
    Parses one JSON line of psvault's output, or returns $null.

    .DESCRIPTION
    The text members that could be mistaken for dates, numbers or booleans
    are base64 in the json-base64 format, so type inference by
    ConvertFrom-Json cannot change them. Text that is not a JSON object
    returns $null; the caller reports it as a server error.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [AllowNull()]
        [AllowEmptyString()]
        [string] $Line
    )

    if ([string]::IsNullOrWhiteSpace($Line) -or -not $Line.TrimStart().StartsWith('{')) {
        return $null
    }
    try {
        ConvertFrom-Json -InputObject $Line
    }
    catch {
        $null
    }
}
