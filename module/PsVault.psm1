# PsVault: one function per file. Private helpers are loaded first so that
# public functions can use them; only the public functions are exported.

$privateFolder = Join-Path -Path $PSScriptRoot -ChildPath 'Private'
$publicFolder = Join-Path -Path $PSScriptRoot -ChildPath 'Public'

$privateFiles = @(Get-ChildItem -Path $privateFolder -Filter '*.ps1' -File)
$publicFiles = @(Get-ChildItem -Path $publicFolder -Filter '*.ps1' -File)

foreach ($file in ($privateFiles + $publicFiles)) {
    . $file.FullName
}

Export-ModuleMember -Function ($publicFiles | ForEach-Object { $_.BaseName })
