function Get-VaultErrorIdForExitCode {
    <#
    .SYNOPSIS
    Returns the error id that belongs to a psvault exit code.

    .DESCRIPTION
    psvault exits with 2 for invalid input, 3 ambiguous, 4 authentication
    failed, 5 not releasable, 6 connection failed and 7 server or protocol
    error. Any other non-zero code (a crash, a signal) is reported as a
    server error, because the binary did not finish its protocol.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [int] $ExitCode
    )

    switch ($ExitCode) {
        2 { 'VaultInvalidInput' }
        3 { 'VaultCredentialAmbiguous' }
        4 { 'VaultAuthenticationFailed' }
        5 { 'VaultCredentialNotReleasable' }
        6 { 'VaultConnectionFailed' }
        default { 'VaultServerError' }
    }
}
