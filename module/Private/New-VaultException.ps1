function New-VaultException {
    <#
    .SYNOPSIS
    Creates an exception of a type that may live in an assembly not loaded.

    .DESCRIPTION
    Some fitting exception types live outside the core library, and
    PowerShell resolves a type name only from assemblies already loaded in
    the session. When the type cannot be resolved, the fallback type is
    used, so that raising an error never fails itself.
    #>
    [CmdletBinding()]
    [OutputType([System.Exception])]
    param(
        [Parameter(Mandatory)]
        [string] $TypeName,

        [Parameter(Mandatory)]
        [type] $FallbackType,

        [Parameter(Mandatory)]
        [string] $Message
    )

    $type = $TypeName -as [type]
    if ($null -eq $type) {
        $type = $FallbackType
    }
    $type::new($Message)
}
