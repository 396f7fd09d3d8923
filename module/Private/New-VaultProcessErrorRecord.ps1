function New-VaultProcessErrorRecord {
    <#
    .SYNOPSIS
    Creates the ErrorRecord for a psvault run that failed.

    .DESCRIPTION
    The error id comes from the exit code, which is the contract; the JSON
    report on stderr supplies the message. When the report names an id
    that disagrees with the exit code, the exit code wins and the message
    is kept.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)]
        [pscustomobject] $Result,

        [AllowNull()]
        [object] $TargetObject
    )

    $errorId = Get-VaultErrorIdForExitCode -ExitCode $Result.ExitCode
    $report = Read-VaultStandardError -StandardError $Result.StandardError
    $message = $report.Message
    if ([string]::IsNullOrEmpty($message)) {
        $message = "psvault exited with code $($Result.ExitCode) and wrote no message."
    }
    New-VaultErrorRecord -ErrorId $errorId -Message $message -TargetObject $TargetObject
}
