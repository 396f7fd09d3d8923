function New-VaultConnectionRequest {
    <#
    .SYNOPSIS
    Builds the connection members of a psvault request.

    .DESCRIPTION
    Returns an ordered dictionary with url, timeoutSec and, when set,
    format, insecureSkipCertificateCheck, caFile and pinSha256. Every
    value is cast to a plain string, number, boolean or string array,
    because Windows PowerShell 5.1's ConvertTo-Json serialises the extra
    properties that strings from some cmdlets carry. The API key is not
    part of it: ConvertTo-VaultRequestBytes adds it as bytes.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter(Mandatory)]
        [string] $ApiUrl,

        [Parameter(Mandatory)]
        [int] $TimeoutSec,

        [string] $Format,

        [bool] $SkipCertificateCheck,

        [string] $CaFile,

        [string[]] $PinSha256
    )

    $request = [ordered]@{
        url        = [string]$ApiUrl
        timeoutSec = [int]$TimeoutSec
    }
    if (-not [string]::IsNullOrEmpty($Format)) {
        $request['format'] = [string]$Format
    }
    if ($SkipCertificateCheck) {
        $request['insecureSkipCertificateCheck'] = $true
    }
    if (-not [string]::IsNullOrEmpty($CaFile)) {
        $request['caFile'] = [string]$CaFile
    }
    if ($null -ne $PinSha256 -and $PinSha256.Count -gt 0) {
        $request['pinSha256'] = [string[]]@($PinSha256 | ForEach-Object { [string]$_ })
    }
    $request
}
