function Read-VaultStandardError {
    <#
    .SYNOPSIS
    Splits psvault's stderr into message lines and the JSON error report.

    .DESCRIPTION
    With '--error-format json', psvault ends stderr with one JSON object
    holding errorId, class, exitCode and message; the lines before it are
    'psvault: <message>' lines and warnings. Every line except the JSON
    report is passed to Write-VaultLog, because psvault redacts secrets
    from everything it writes to stderr.

    Returns an object with ErrorId and Message, both $null when stderr
    holds no JSON report. Lines that are not JSON never raise an error.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [AllowNull()]
        [AllowEmptyString()]
        [string] $StandardError
    )

    $lines = @()
    if (-not [string]::IsNullOrEmpty($StandardError)) {
        $lines = @($StandardError -split '\r?\n' | Where-Object { $_.Trim().Length -gt 0 })
    }

    $report = $null
    if ($lines.Count -gt 0 -and $lines[-1].TrimStart().StartsWith('{')) {
        try {
            $report = ConvertFrom-Json -InputObject $lines[-1]
        }
        catch {
            $report = $null
        }
    }

    $messageLines = $lines
    if ($null -ne $report) {
        $messageLines = @($lines | Select-Object -First ($lines.Count - 1))
    }
    foreach ($line in $messageLines) {
        Write-VaultLog -Message $line
    }

    $errorId = $null
    $message = $null
    if ($null -ne $report) {
        $errorId = [string](Get-VaultMemberValue -InputObject $report -Name 'errorId')
        $message = [string](Get-VaultMemberValue -InputObject $report -Name 'message')
    }
    elseif ($messageLines.Count -gt 0) {
        $message = ($messageLines -join ' ')
    }

    [pscustomobject]@{
        ErrorId = $errorId
        Message = $message
    }
}
