function Invoke-VaultBatch {
    <#
    .SYNOPSIS
    Looks up many credentials in one 'psvault batch' run and one login.

    .DESCRIPTION
    The first stdin line is a header with the connection members and the
    API key, which psvault answers with no output line. Each further line
    is one lookup with its index as tag. Returns one result per lookup, in
    the order given, each with Status ('found', 'not_found' or 'error'),
    Value and ErrorRecord as Invoke-VaultGet returns them.

    psvault exits with 0 when every line ran, whatever each line's status;
    any other exit code means the batch stopped (for example the login
    failed) and raises a terminating error through the calling cmdlet. A
    lookup without a result line is reported as VaultServerError.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject[]])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory)]
        [string] $FilePath,

        [Parameter(Mandatory)]
        [System.Collections.IDictionary] $Connection,

        [Parameter(Mandatory)]
        [object[]] $Lookup,

        [Parameter(Mandatory)]
        [System.Security.SecureString] $ApiKey,

        [Parameter(Mandatory)]
        [int] $TimeoutSec
    )

    $lines = [System.Collections.Generic.List[System.Collections.IDictionary]]::new()
    $lines.Add($Connection)
    for ($index = 0; $index -lt $Lookup.Count; $index++) {
        $line = [ordered]@{}
        foreach ($key in $Lookup[$index].Request.Keys) {
            $line[$key] = $Lookup[$index].Request[$key]
        }
        $line['tag'] = $index
        $lines.Add($line)
    }

    $processArguments = @{
        Cmdlet       = $Cmdlet
        FilePath     = $FilePath
        ArgumentList = @('batch', '--error-format', 'json')
        InputObject  = $lines.ToArray()
        ApiKey       = $ApiKey
        TimeoutSec   = $TimeoutSec
        TargetObject = "$($Lookup.Count) lookups"
    }
    $result = Invoke-VaultProcess @processArguments

    if ($result.ExitCode -ne 0) {
        $Cmdlet.ThrowTerminatingError((New-VaultProcessErrorRecord -Result $result -TargetObject $processArguments.TargetObject))
    }
    $null = Read-VaultStandardError -StandardError $result.StandardError

    $byIndex = @{}
    foreach ($outputLine in ($result.StandardOutput -split '\r?\n')) {
        $value = ConvertFrom-VaultJsonLine -Line $outputLine
        if ($null -eq $value) {
            continue
        }
        # The tag is the lookup's index. Should a result lack it, the input
        # line number gives the index, because the header is line 1.
        $tag = Get-VaultMemberValue -InputObject $value -Name 'tag'
        $lineNumber = Get-VaultMemberValue -InputObject $value -Name 'line'
        if ($null -ne $tag) {
            $byIndex[[int]$tag] = $value
        }
        elseif ($null -ne $lineNumber) {
            $byIndex[[int]$lineNumber - 2] = $value
        }
    }

    for ($index = 0; $index -lt $Lookup.Count; $index++) {
        $target = $Lookup[$index].Target
        $value = $byIndex[$index]
        if ($null -eq $value) {
            $message = "psvault batch printed no result for the lookup of '$target'."
            $errorRecord = New-VaultErrorRecord -ErrorId 'VaultServerError' -Message $message -TargetObject $target
            [pscustomobject]@{ Status = 'error'; Value = $null; ErrorRecord = $errorRecord }
            continue
        }

        $status = [string](Get-VaultMemberValue -InputObject $value -Name 'status')
        switch ($status) {
            'found' {
                [pscustomobject]@{ Status = 'found'; Value = $value; ErrorRecord = $null }
            }
            'not_found' {
                [pscustomobject]@{ Status = 'not_found'; Value = $null; ErrorRecord = $null }
            }
            default {
                $exitCode = Get-VaultMemberValue -InputObject $value -Name 'exitCode'
                $errorId = Get-VaultErrorIdForExitCode -ExitCode ([int]$exitCode)
                $message = [string](Get-VaultMemberValue -InputObject $value -Name 'message')
                if ([string]::IsNullOrEmpty($message)) {
                    $message = "psvault batch reported status '$status' with exit code $exitCode."
                }
                $errorRecord = New-VaultErrorRecord -ErrorId $errorId -Message $message -TargetObject $target
                [pscustomobject]@{ Status = 'error'; Value = $null; ErrorRecord = $errorRecord }
            }
        }
    }
}
