function Resolve-VaultLookup {
    <#
    .SYNOPSIS
    Turns identity parameters into the lookup members of a psvault request.

    .DESCRIPTION
    Accepts either an identity ('CORP\svc_sql', 'svc_sql@corp.example.com',
    'HOST\user') or a user name with an optional domain, never both.
    Returns an object with Request (an ordered dictionary with identity
    or domain and user, and reason when one is given), Target (the
    account as text, for messages) and ErrorRecord (set instead of
    Request when the parameters are invalid, error id VaultInvalidInput).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [AllowNull()]
        [AllowEmptyString()]
        [string] $Identity,

        [AllowNull()]
        [AllowEmptyString()]
        [string] $Domain,

        [AllowNull()]
        [AllowEmptyString()]
        [string] $UserName,

        [AllowNull()]
        [AllowEmptyString()]
        [string] $Reason
    )

    $request = [ordered]@{}
    $target = $null
    $message = $null

    if (-not [string]::IsNullOrEmpty($Identity)) {
        if (-not [string]::IsNullOrEmpty($UserName) -or -not [string]::IsNullOrEmpty($Domain)) {
            $target = $Identity
            $message = "Both an identity ('$Identity') and -Domain/-UserName were given. " +
                'Pass either -Identity or -UserName with an optional -Domain.'
        }
        else {
            $request['identity'] = $Identity
            $target = $Identity
        }
    }
    elseif (-not [string]::IsNullOrEmpty($UserName)) {
        if (-not [string]::IsNullOrEmpty($Domain)) {
            $request['domain'] = $Domain
            $target = "$Domain\$UserName"
        }
        else {
            $target = $UserName
        }
        $request['user'] = $UserName
    }
    else {
        $target = $Domain
        $message = "No account was given. Pass -Identity 'DOMAIN\user' or -UserName with an optional -Domain, " +
            'or pipe objects with an Identity or UserName property.'
    }

    if ($null -ne $message) {
        return [pscustomobject]@{
            Request     = $null
            Target      = $target
            ErrorRecord = New-VaultErrorRecord -ErrorId 'VaultInvalidInput' -Message $message -TargetObject $target
        }
    }

    if (-not [string]::IsNullOrEmpty($Reason)) {
        $request['reason'] = $Reason
    }
    [pscustomobject]@{
        Request     = $request
        Target      = $target
        ErrorRecord = $null
    }
}
