function New-VaultErrorRecord {
    <#
    .SYNOPSIS
    Creates the ErrorRecord for one of the module's stable error ids.

    .DESCRIPTION
    Each error id has a fixed ErrorCategory and exception type, so that
    callers can rely on FullyQualifiedErrorId, CategoryInfo and the
    exception type alike. The ids VaultInvalidInput to VaultServerError
    match the psvault exit codes 2 to 7; VaultBinaryNotFound and
    VaultTimeout come from the module itself. An unknown id is reported
    as VaultServerError.

    The message must never contain a secret. The target object is the
    identity or URL involved, never a key or password.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)]
        [string] $ErrorId,

        [Parameter(Mandatory)]
        [string] $Message,

        [AllowNull()]
        [object] $TargetObject
    )

    switch ($ErrorId) {
        'VaultInvalidInput' {
            $category = [System.Management.Automation.ErrorCategory]::InvalidArgument
            $exception = [System.ArgumentException]::new($Message)
        }
        'VaultCredentialAmbiguous' {
            $category = [System.Management.Automation.ErrorCategory]::InvalidResult
            $exception = [System.InvalidOperationException]::new($Message)
        }
        'VaultAuthenticationFailed' {
            $category = [System.Management.Automation.ErrorCategory]::AuthenticationError
            $exception = New-VaultException -TypeName 'System.Security.Authentication.AuthenticationException' -FallbackType ([System.UnauthorizedAccessException]) -Message $Message
        }
        'VaultCredentialNotReleasable' {
            $category = [System.Management.Automation.ErrorCategory]::PermissionDenied
            $exception = [System.UnauthorizedAccessException]::new($Message)
        }
        'VaultConnectionFailed' {
            $category = [System.Management.Automation.ErrorCategory]::ConnectionError
            $exception = [System.IO.IOException]::new($Message)
        }
        'VaultBinaryNotFound' {
            $category = [System.Management.Automation.ErrorCategory]::NotInstalled
            $exception = [System.IO.FileNotFoundException]::new($Message)
        }
        'VaultTimeout' {
            $category = [System.Management.Automation.ErrorCategory]::OperationTimeout
            $exception = [System.TimeoutException]::new($Message)
        }
        default {
            $ErrorId = 'VaultServerError'
            $category = [System.Management.Automation.ErrorCategory]::ProtocolError
            $exception = New-VaultException -TypeName 'System.IO.InvalidDataException' -FallbackType ([System.InvalidOperationException]) -Message $Message
        }
    }

    [System.Management.Automation.ErrorRecord]::new($exception, $ErrorId, $category, $TargetObject)
}
