function Invoke-VaultGet {
    <#
    .SYNOPSIS
    Looks up one credential with 'psvault get --request -'.

    .DESCRIPTION
    Returns an object with Status ('found', 'not_found' or 'error'),
    Value (the parsed json-base64 output when found) and ErrorRecord
    (when Status is 'error').

    Exit code 1 is 'not found'. Failures that concern this lookup only
    (exit codes 2, 3 and 5: invalid input, ambiguous, not releasable)
    are returned as 'error' so that the caller writes a non-terminating
    error. Failures that no retry with another identity would fix (4
    authentication, 6 connection, 7 server, and any unknown code) raise
    a terminating error through the calling cmdlet, as does output that
    is not the documented JSON object.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory)]
        [string] $FilePath,

        [Parameter(Mandatory)]
        [System.Collections.IDictionary] $Connection,

        [Parameter(Mandatory)]
        [System.Collections.IDictionary] $Lookup,

        [Parameter(Mandatory)]
        [System.Security.SecureString] $ApiKey,

        [Parameter(Mandatory)]
        [int] $TimeoutSec,

        [AllowNull()]
        [object] $TargetObject
    )

    $request = [ordered]@{}
    foreach ($key in $Connection.Keys) {
        $request[$key] = $Connection[$key]
    }
    foreach ($key in $Lookup.Keys) {
        $request[$key] = $Lookup[$key]
    }

    $processArguments = @{
        Cmdlet       = $Cmdlet
        FilePath     = $FilePath
        ArgumentList = @('get', '--request', '-', '--error-format', 'json')
        InputObject  = @($request)
        ApiKey       = $ApiKey
        TimeoutSec   = $TimeoutSec
        TargetObject = $TargetObject
    }
    $result = Invoke-VaultProcess @processArguments

    if ($result.ExitCode -eq 0) {
        $null = Read-VaultStandardError -StandardError $result.StandardError
        $value = ConvertFrom-VaultJsonLine -Line $result.StandardOutput.Trim()
        if ($null -eq $value) {
            $message = 'psvault exited with code 0 but did not print the credential as one JSON object.'
            $Cmdlet.ThrowTerminatingError((New-VaultErrorRecord -ErrorId 'VaultServerError' -Message $message -TargetObject $TargetObject))
        }
        return [pscustomobject]@{ Status = 'found'; Value = $value; ErrorRecord = $null }
    }

    if ($result.ExitCode -eq 1) {
        $null = Read-VaultStandardError -StandardError $result.StandardError
        return [pscustomobject]@{ Status = 'not_found'; Value = $null; ErrorRecord = $null }
    }

    $errorRecord = New-VaultProcessErrorRecord -Result $result -TargetObject $TargetObject
    if ($result.ExitCode -in @(2, 3, 5)) {
        return [pscustomobject]@{ Status = 'error'; Value = $null; ErrorRecord = $errorRecord }
    }
    $Cmdlet.ThrowTerminatingError($errorRecord)
}
