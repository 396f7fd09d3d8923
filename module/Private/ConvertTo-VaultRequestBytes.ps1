function ConvertTo-VaultRequestBytes {
    <#
    .SYNOPSIS
    Encodes request objects as UTF-8 JSON lines, with the API key spliced in.

    .DESCRIPTION
    Each dictionary becomes one compact JSON line ending in a newline: one
    line for 'psvault get --request -' and 'psvault check --request -',
    a header line and one line per lookup for 'psvault batch'. The bytes
    carry no byte order mark.

    The API key never becomes a managed string: its characters are copied
    from the SecureString's BSTR into a character array, JSON-escaped into
    a second array, encoded into a byte array and copied as the apiKey
    member into the first line. The BSTR is zeroed and freed and the
    intermediate arrays are cleared before this function returns. The
    caller must clear the returned array once it has been written.

    The dictionaries must not contain secrets, because ConvertTo-Json
    turns their values into managed strings.
    #>
    [CmdletBinding()]
    [OutputType([byte[]])]
    param(
        [Parameter(Mandatory)]
        [System.Collections.IDictionary[]] $InputObject,

        [System.Security.SecureString] $ApiKey
    )

    $utf8 = [System.Text.UTF8Encoding]::new($false)

    $lines = foreach ($entry in $InputObject) {
        ConvertTo-Json -InputObject $entry -Compress -Depth 4
    }
    $lines = @($lines)

    $firstLine = $lines[0]
    $restText = ''
    if ($lines.Count -gt 1) {
        $restText = ($lines[1..($lines.Count - 1)] -join "`n") + "`n"
    }

    if ($null -eq $ApiKey) {
        return , $utf8.GetBytes($firstLine + "`n" + $restText)
    }

    # The first line is a JSON object, so the key goes right after its
    # opening brace, followed by a comma unless the object was empty.
    $prefixBytes = $utf8.GetBytes('{"apiKey":"')
    $firstLineRest = $firstLine.Substring(1)
    if ($firstLineRest.TrimStart().StartsWith('}')) {
        $suffixBytes = $utf8.GetBytes('"' + $firstLineRest + "`n" + $restText)
    }
    else {
        $suffixBytes = $utf8.GetBytes('",' + $firstLineRest + "`n" + $restText)
    }

    $bstr = [System.IntPtr]::Zero
    $keyCharacters = $null
    $escapedCharacters = $null
    $keyBytes = $null
    try {
        $bstr = [System.Runtime.InteropServices.Marshal]::SecureStringToBSTR($ApiKey)
        $keyCharacters = [char[]]::new($ApiKey.Length)
        [System.Runtime.InteropServices.Marshal]::Copy($bstr, $keyCharacters, 0, $ApiKey.Length)

        # An escape sequence is at most six characters (\u001f).
        $escapedCharacters = [char[]]::new($keyCharacters.Length * 6)
        $count = 0
        foreach ($character in $keyCharacters) {
            $code = [int]$character
            if ($code -eq 0x22 -or $code -eq 0x5C) {
                $escapedCharacters[$count] = [char]0x5C
                $escapedCharacters[$count + 1] = $character
                $count += 2
            }
            elseif ($code -lt 0x20) {
                $hexDigits = '0123456789abcdef'
                $escapedCharacters[$count] = [char]0x5C
                $escapedCharacters[$count + 1] = [char]'u'
                $escapedCharacters[$count + 2] = [char]'0'
                $escapedCharacters[$count + 3] = [char]'0'
                $escapedCharacters[$count + 4] = $hexDigits[$code -shr 4]
                $escapedCharacters[$count + 5] = $hexDigits[$code -band 0xF]
                $count += 6
            }
            else {
                $escapedCharacters[$count] = $character
                $count += 1
            }
        }
        $keyBytes = $utf8.GetBytes($escapedCharacters, 0, $count)

        $requestBytes = [byte[]]::new($prefixBytes.Length + $keyBytes.Length + $suffixBytes.Length)
        [System.Buffer]::BlockCopy($prefixBytes, 0, $requestBytes, 0, $prefixBytes.Length)
        [System.Buffer]::BlockCopy($keyBytes, 0, $requestBytes, $prefixBytes.Length, $keyBytes.Length)
        [System.Buffer]::BlockCopy($suffixBytes, 0, $requestBytes, $prefixBytes.Length + $keyBytes.Length, $suffixBytes.Length)
    }
    finally {
        if ($bstr -ne [System.IntPtr]::Zero) {
            [System.Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr)
        }
        foreach ($buffer in @($keyCharacters, $escapedCharacters, $keyBytes)) {
            if ($null -ne $buffer) {
                [System.Array]::Clear($buffer, 0, $buffer.Length)
            }
        }
    }

    return , $requestBytes
}
