function Set-VaultMemberValue {
    <#
    .SYNOPSIS
    Sets a property or dictionary key by name, keeping the existing spelling.

    .DESCRIPTION
    When the object already has the member in any letter case, that member
    is overwritten, so that the caller finds its value where it expects
    it; otherwise a member with the given spelling is added (a key for a
    dictionary, a NoteProperty for any other object).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [object] $InputObject,

        [Parameter(Mandatory)]
        [string] $Name,

        [AllowNull()]
        [object] $Value
    )

    if ($InputObject -is [System.Collections.IDictionary]) {
        foreach ($key in @($InputObject.Keys)) {
            if ($key -is [string] -and [string]::Equals($key, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
                $InputObject[$key] = $Value
                return
            }
        }
        $InputObject[$Name] = $Value
        return
    }

    foreach ($property in $InputObject.PSObject.Properties) {
        if ([string]::Equals($property.Name, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
            $property.Value = $Value
            return
        }
    }
    Add-Member -InputObject $InputObject -MemberType NoteProperty -Name $Name -Value $Value
}
