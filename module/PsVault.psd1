@{
    RootModule           = 'PsVault.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'c101388e-6f6c-4d79-9292-0e0381d1ec1d'
    Author               = 'psvault contributors'
    CompanyName          = 'psvault contributors'
    Copyright            = '(c) psvault contributors. Licensed under MIT OR Apache-2.0.'
    Description          = 'Checks out Active Directory credentials from Netwrix Password Secure for Netwrix Privilege Secure (NPS) and for PowerShell scripts, through the bundled psvault binary.'

    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'

    # Exports are listed by name so that the module loads fast and exports
    # nothing by accident.
    FunctionsToExport    = @(
        'Get-VaultCredential'
        'Test-VaultConnection'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()

    PrivateData          = @{
        PSData = @{
            Tags = @(
                'PasswordSecure'
                'Netwrix'
                'PrivilegeSecure'
                'NPS'
                'Credential'
                'PSEdition_Desktop'
                'PSEdition_Core'
                'Windows'
                'Linux'
                'MacOS'
            )
        }
    }
}
