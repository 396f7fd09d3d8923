function Get-VaultMemberValue {
    <#
    .SYNOPSIS
    Reads a property or dictionary key by name, ignoring case.

    .DESCRIPTION
    NPS passes its options and credential objects as hashtables or as
    PSCustomObjects, and the spelling of a name may vary in case
    ('ApiURL', 'ApiUrl'). A hashtable built with [hashtable]::new() or any
    other IDictionary can be case-sensitive, so keys are compared here
    with a case-insensitive comparison instead of relying on the
    dictionary. Several names may be given; the first one present wins.
    Returns $null when the object is $null or has none of the names.
    #>
    [CmdletBinding()]
    [OutputType([object])]
    param(
        [AllowNull()]
        [object] $InputObject,

        [Parameter(Mandatory)]
        [string[]] $Name
    )

    if ($null -eq $InputObject) {
        return $null
    }

    foreach ($wanted in $Name) {
        if ($InputObject -is [System.Collections.IDictionary]) {
            foreach ($key in $InputObject.Keys) {
                if ($key -is [string] -and [string]::Equals($key, $wanted, [System.StringComparison]::OrdinalIgnoreCase)) {
                    return , $InputObject[$key]
                }
            }
        }
        else {
            foreach ($property in $InputObject.PSObject.Properties) {
                if ([string]::Equals($property.Name, $wanted, [System.StringComparison]::OrdinalIgnoreCase)) {
                    return , $property.Value
                }
            }
        }
    }

    return $null
}
