function Invoke-VaultProcess {
    <#
    .SYNOPSIS
    Runs psvault with a request on stdin and returns its exit code and output.

    .DESCRIPTION
    The binary is started with System.Diagnostics.Process, not with the
    call operator, because PowerShell's native command handling decodes
    output with the console code page and, in Windows PowerShell 5.1,
    cannot write raw bytes to stdin.

    Standard output and standard error are read as UTF-8, each through its
    own asynchronous read that starts before the request is written, so
    that neither pipe can fill up and block the child. The request bytes
    go to the stdin stream directly (no byte order mark) and are cleared
    once written; the API key is turned into bytes only after the process
    has started. A child that exits before reading all of stdin is not an
    error here: its exit code and stderr say why.

    The process is killed when it has not exited within TimeoutSec
    seconds, and the terminating error VaultTimeout is raised through the
    calling cmdlet. A binary that cannot be started raises
    VaultBinaryNotFound. The decision on the exit code is left to the
    caller.

    The arguments are fixed option names chosen by the module, never user
    input, so they are joined with spaces without quoting; an argument
    containing whitespace or quotes is rejected as a programming error.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory)]
        [string] $FilePath,

        [Parameter(Mandatory)]
        [string[]] $ArgumentList,

        [Parameter(Mandatory)]
        [System.Collections.IDictionary[]] $InputObject,

        [System.Security.SecureString] $ApiKey,

        [Parameter(Mandatory)]
        [ValidateRange(1, 2147483)]
        [int] $TimeoutSec,

        [AllowNull()]
        [object] $TargetObject
    )

    foreach ($argument in $ArgumentList) {
        if ($argument -match '[\s"]') {
            $message = "Internal error: the psvault argument '$argument' contains whitespace or a quote."
            $Cmdlet.ThrowTerminatingError((New-VaultErrorRecord -ErrorId 'VaultServerError' -Message $message -TargetObject $argument))
        }
    }

    $utf8 = [System.Text.UTF8Encoding]::new($false)
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new()
    $startInfo.FileName = $FilePath
    $startInfo.Arguments = $ArgumentList -join ' '
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.StandardOutputEncoding = $utf8
    $startInfo.StandardErrorEncoding = $utf8

    $process = [System.Diagnostics.Process]::new()
    $process.StartInfo = $startInfo
    $deadline = [System.DateTime]::UtcNow.AddSeconds($TimeoutSec)

    $started = $false
    try {
        $startFailure = $null
        try {
            $started = $process.Start()
        }
        catch {
            $startFailure = $_.Exception.Message
        }
        if (-not $started) {
            $message = "Could not start psvault at '$FilePath': $startFailure " +
                'On Linux and macOS, check that the file is executable (chmod +x).'
            $Cmdlet.ThrowTerminatingError((New-VaultErrorRecord -ErrorId 'VaultBinaryNotFound' -Message $message -TargetObject $FilePath))
        }

        $standardOutputTask = $process.StandardOutput.ReadToEndAsync()
        $standardErrorTask = $process.StandardError.ReadToEndAsync()

        $writeTimedOut = $false
        $requestBytes = $null
        try {
            $requestBytes = ConvertTo-VaultRequestBytes -InputObject $InputObject -ApiKey $ApiKey
            try {
                $stdin = $process.StandardInput.BaseStream
                $writeTask = $stdin.WriteAsync($requestBytes, 0, $requestBytes.Length)
                if ($writeTask.Wait((Get-VaultRemainingMilliseconds -Deadline $deadline))) {
                    $stdin.Flush()
                    $process.StandardInput.Close()
                }
                else {
                    $writeTimedOut = $true
                }
            }
            catch {
                # The child closed stdin early (broken pipe); its exit code
                # and stderr explain why, so go on and collect them.
                Write-Verbose -Message "psvault did not read the whole request: $($_.Exception.Message)"
            }
        }
        finally {
            if ($null -ne $requestBytes) {
                [System.Array]::Clear($requestBytes, 0, $requestBytes.Length)
            }
        }

        $exited = $false
        if (-not $writeTimedOut) {
            $exited = $process.WaitForExit((Get-VaultRemainingMilliseconds -Deadline $deadline))
        }
        if (-not $exited) {
            try {
                $process.Kill()
                $null = $process.WaitForExit(5000)
            }
            catch {
                Write-Verbose -Message "Could not kill psvault process $($process.Id): $($_.Exception.Message)"
            }
            $message = "psvault did not finish within $TimeoutSec seconds and was stopped. " +
                'Check that the server answers, or raise -TimeoutSec.'
            $Cmdlet.ThrowTerminatingError((New-VaultErrorRecord -ErrorId 'VaultTimeout' -Message $message -TargetObject $TargetObject))
        }

        # The pipes close when the process exits, so both reads finish
        # promptly; the bound only guards against a grandchild that
        # inherited them.
        try {
            $readTasks = [System.Threading.Tasks.Task[]]@($standardOutputTask, $standardErrorTask)
            $null = [System.Threading.Tasks.Task]::WaitAll($readTasks, 10000)
        }
        catch {
            Write-Verbose -Message "Reading the output of psvault failed: $($_.Exception.Message)"
        }
        $standardOutput = ''
        if ($standardOutputTask.IsCompleted -and -not $standardOutputTask.IsFaulted) {
            $standardOutput = $standardOutputTask.Result
        }
        $standardError = ''
        if ($standardErrorTask.IsCompleted -and -not $standardErrorTask.IsFaulted) {
            $standardError = $standardErrorTask.Result
        }

        [pscustomobject]@{
            ExitCode       = $process.ExitCode
            StandardOutput = $standardOutput
            StandardError  = $standardError
        }
    }
    finally {
        # Also reached when building the request failed or the caller
        # pressed Ctrl+C: a child still waiting for stdin must not linger.
        if ($started -and -not $process.HasExited) {
            try {
                $process.Kill()
            }
            catch {
                Write-Verbose -Message "Could not kill psvault process $($process.Id): $($_.Exception.Message)"
            }
        }
        $process.Dispose()
    }
}
