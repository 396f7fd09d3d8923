function Write-VaultLog {
    <#
    .SYNOPSIS
    Writes a progress message to the NPS action log or the verbose stream.

    .DESCRIPTION
    Inside Netwrix Privilege Secure action scripts the command
    Add-SbPAMActionLog records messages in the activity's action log; the
    module uses it when it exists and takes a message through a parameter
    named Message or Text and needs no other mandatory parameter. Anywhere
    else, and when that call fails, the message goes to Write-Verbose.

    Callers pass messages that never contain a secret: identities, URLs,
    counts and error ids only.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string] $Message
    )

    $actionLog = Get-Command -Name 'Add-SbPAMActionLog' -ErrorAction SilentlyContinue
    if ($null -ne $actionLog) {
        $messageParameter = $null
        foreach ($name in @('Message', 'Text')) {
            if ($actionLog.Parameters.ContainsKey($name)) {
                $messageParameter = $name
                break
            }
        }

        $otherMandatory = @(
            foreach ($parameter in $actionLog.Parameters.Values) {
                if ($parameter.Name -eq $messageParameter) {
                    continue
                }
                foreach ($attribute in $parameter.Attributes) {
                    if ($attribute -is [System.Management.Automation.ParameterAttribute] -and $attribute.Mandatory) {
                        $parameter.Name
                    }
                }
            }
        )

        if ($null -ne $messageParameter -and $otherMandatory.Count -eq 0) {
            $arguments = @{ $messageParameter = "PsVault: $Message" }
            try {
                $null = & $actionLog @arguments
                return
            }
            catch {
                Write-Verbose -Message "Add-SbPAMActionLog failed, logging here instead: $($_.Exception.Message)"
            }
        }
    }

    Write-Verbose -Message $Message
}
