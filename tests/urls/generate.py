"""Writes tests/urls/jwks_urls.json: the corpus of tricky keys.jwks_url values.

Each URL is listed with what the core must do with it: keep it in one canonical form (the
text every fetcher is given; key status shows it without its query), or refuse it for a named
problem (the codes of `UrlProblem` in core/src/jwks_url/canonical.rs). The expectations are
written here by hand, with the reason; nothing is computed from the core.

    python3 tests/urls/generate.py
"""

import json
import unicodedata
from pathlib import Path

OUT = Path(__file__).with_name("jwks_urls.json")

A = []  # accepted: url, canonical, why
R = []  # refused: url, problem, why


def ok(url, canonical=None, why=""):
    A.append({"url": url, "canonical": canonical or url, "why": why})


def no(url, problem, why=""):
    R.append({"url": url, "refused": problem, "why": why})


# The finding
no("http://evil.example\\.localhost/jwks", "backslash",
   "the finding: WHATWG reads the backslash as a slash, host evil.example, in plain text")

# Accepted, already canonical
ok("https://auth.example.com/api/auth/jwks", why="the usual Better Auth endpoint")
ok("https://auth.example.com:8443/jwks?tenant=a", why="port and query kept")
ok("http://localhost:3000/api/auth/jwks", why="http: to localhost")
ok("http://127.0.0.1/jwks", why="http: to 127.0.0.1")
ok("http://127.8.9.10:3000/jwks", why="anywhere in 127.0.0.0/8")
ok("http://127.255.255.255/jwks", why="the top of 127.0.0.0/8")
ok("http://[::1]:3000/jwks", why="http: to [::1]")
ok("http://api.localhost/jwks", why="a name under localhost")
ok("http://a.b.localhost:8080/jwks", why="a deeper name under localhost")
ok("https://127.0.0.1/jwks", why="https: to an IPv4 address")
ok("https://10.1.2.3/jwks", why="https: to a private IPv4 address")
ok("https://255.255.255.255/jwks", why="the largest IPv4 address")
ok("https://0.0.0.0/jwks", why="a zero IPv4 address is four decimal parts")
ok("https://auth.example.com:65535/jwks", why="the largest port")
ok("https://auth.example.com:1/jwks", why="the smallest port")
ok("https://auth.example.com:80/jwks", why="80 is not the default port of https:")
ok("http://127.0.0.1:443/jwks", why="443 is not the default port of http:")
ok("https://auth.example.com/jwks?a=1?b=2", why="a second ? belongs to the query")
ok("https://auth.example.com/jwks?next=/a/b", why="slashes in the query")
ok("https://auth.example.com/jwks?user@evil.example", why="@ in the query is not userinfo")
ok("https://auth.example.com/a@evil.example/jwks", why="@ in the path is not userinfo")
ok("http://localhost/jwks?@evil.example", why="@ after ? on a loopback URL")
ok("http://localhost/@evil.example", why="@ after / on a loopback URL")
ok("https://auth.example.com/jwks;v=1", why="; in the path")
ok("https://auth.example.com/a;b/c;d?e;f", why="; in path and query")
ok("https://auth.example.com//jwks", why="an empty path segment is kept")
ok("https://auth.example.com/jwks/", why="a trailing slash is kept")
ok("https://auth.example.com/%6Awks", why="a percent-encoded letter is kept as written")
ok("https://auth.example.com/j%20wks", why="a percent-encoded space")
ok("https://auth.example.com/caf%C3%A9/jwks", why="percent-encoded UTF-8")
ok("https://auth.example.com/jwks?key=a%2Fb%3D%3D", why="percent-encoded / and = in the query")
ok("https://auth.example.com/jwks?q=%27", why="a percent-encoded quote in the query")
ok("https://auth.example.com/jwks?q=%23frag", why="a percent-encoded # in the query")
ok("https://auth.example.com/a.b/..c/.d/c../jwks", why="dots inside segments are not dot segments")
ok("https://auth.example.com/a/.../jwks", why="three dots are not a dot segment")
ok("https://auth.example.com/a/%2e%2e%2e/jwks", why="three encoded dots are not a dot segment")
ok("https://auth.example.com/a%2eb/jwks", why="an encoded dot inside a segment")
ok("https://auth.example.com/!$&'()*+,=:~-._/jwks", why="sub-delimiters, : and unreserved characters in the path")
ok("https://auth.example.com/jwks?a=!$&()*+,;=:@/?~-._", why="sub-delimiters (no quote) in the query")
ok("https://a_b.example.com/jwks", why="an underscore in a label (DNS and TLS accept it)")
ok("https://_keys.example.com/jwks", why="a label that starts with an underscore")
ok("https://ab--cd.example.com/jwks", why="a double hyphen that is not xn--")
ok("https://1password.example/jwks", why="a label that starts with a digit")
ok("https://123.example/jwks", why="an all-digit label that is not the last")
ok("https://0x7f.example/jwks", why="a hex-looking label that is not the last")
ok("https://127.0.0.1.nip.io/jwks", why="an IPv4-looking prefix of a domain name")
ok("https://a.0xg/jwks", why="0xg is not a hex number, so the host is a name")
ok("https://1e3/jwks", why="1e3 is not a number in URL parsing, so the host is a name")
ok("https://example.com0/jwks", why="a last label with digits and letters")
ok("https://" + "a" * 63 + ".example/jwks", why="a 63-character label")
ok("https://[2001:db8::1]/jwks", why="https: to an IPv6 address")
ok("https://[2001:db8::1]:8443/jwks?x=1", why="IPv6 with a port and a query")
ok("https://[1:0:1:0:1:0:1:0]/jwks", why="no run of two zero pieces to compress")
ok("https://[::]/jwks", why="the unspecified IPv6 address")
ok("https://[1::]/jwks", why="compression at the end")
ok("https://[2001:db8::]/jwks", why="compression at the end after two pieces")

# Accepted, made canonical
ok("HTTPS://auth.example.com/jwks", "https://auth.example.com/jwks", "the scheme is lowercased")
ok("HtTpS://auth.example.com/jwks", "https://auth.example.com/jwks", "mixed-case scheme")
ok("HTTP://127.0.0.1:3000/jwks", "http://127.0.0.1:3000/jwks", "upper-case http")
ok("https://Auth.EXAMPLE.com/JWKS", "https://auth.example.com/JWKS", "the host is lowercased, the path is not")
ok("https://AUTH.example.COM:8443/Api/Auth/JWKS?Tenant=A", "https://auth.example.com:8443/Api/Auth/JWKS?Tenant=A",
   "only scheme and host change case")
ok("http://LOCALHOST:3000/jwks", "http://localhost:3000/jwks", "LOCALHOST is localhost")
ok("http://Api.LocalHost/jwks", "http://api.localhost/jwks", "a mixed-case name under localhost")
ok("https://A_B.Example.com/jwks", "https://a_b.example.com/jwks", "underscore with upper case")
ok("https://auth.example.com:443/jwks", "https://auth.example.com/jwks", "the default port of https: is dropped")
ok("http://localhost:80/jwks", "http://localhost/jwks", "the default port of http: is dropped")
ok("https://auth.example.com:0443/jwks", "https://auth.example.com/jwks", "a default port with a leading zero")
ok("https://auth.example.com:08443/jwks", "https://auth.example.com:8443/jwks", "a port with a leading zero")
ok("http://localhost:0003000/jwks", "http://localhost:3000/jwks", "a port with leading zeros")
ok("https://auth.example.com:00000000000000000443/jwks", "https://auth.example.com/jwks", "many leading zeros")
ok("https://auth.example.com", "https://auth.example.com/", "an empty path is /")
ok("https://auth.example.com?x=1", "https://auth.example.com/?x=1", "a query straight after the host")
ok("https://auth.example.com:8443?x", "https://auth.example.com:8443/?x", "a query straight after the port")
ok("https://auth.example.com?x/y", "https://auth.example.com/?x/y", "a slash in a query straight after the host")
ok("http://[::1]", "http://[::1]/", "[::1] with no path")
ok("http://[0:0:0:0:0:0:0:1]/jwks", "http://[::1]/jwks", "IPv6 loopback in full")
ok("http://[0000::0001]/jwks", "http://[::1]/jwks", "IPv6 pieces with leading zeros")
ok("http://[::0:1]:3000/jwks", "http://[::1]:3000/jwks", "a zero piece after ::")
ok("https://[2001:DB8:0:0:0:0:0:1]/jwks", "https://[2001:db8::1]/jwks", "IPv6 in full, upper case")
ok("https://[2001:db8:0:0:1:0:0:1]/jwks", "https://[2001:db8::1:0:0:1]/jwks",
   "the first of two equal zero runs is compressed")
ok("https://[1:0:0:1:0:0:0:1]/jwks", "https://[1:0:0:1::1]/jwks", "the longest zero run is compressed")
ok("https://[0:0:1:0:0:1:0:0]/jwks", "https://[::1:0:0:1:0:0]/jwks", "the first of three equal zero runs")
ok("https://[1:2:3:4:5:6:7:0]/jwks", "https://[1:2:3:4:5:6:7:0]/jwks", "one zero piece is not compressed")
ok("https://[::ffff:127.0.0.1]/jwks", "https://[::ffff:7f00:1]/jwks", "an IPv4-mapped address in hex pieces")
ok("https://[::ffff:1.2.3.4]:8443/jwks", "https://[::ffff:102:304]:8443/jwks", "IPv4-mapped with a port")
ok("https://[::1.2.3.4]/jwks", "https://[::102:304]/jwks", "an IPv4-compatible address")
ok("https://[0:0:0:0:0:ffff:7f00:1]/jwks", "https://[::ffff:7f00:1]/jwks", "IPv4-mapped in full")
ok("https://[::1]:443/jwks", "https://[::1]/jwks", "IPv6 with the default port")
ok("https://[::1]:8443", "https://[::1]:8443/", "IPv6 and a port, no path")
ok("https://[::FFFF:7F00:1]/jwks", "https://[::ffff:7f00:1]/jwks", "upper-case hex pieces")

# Whitespace and control characters
for url, why in [
    ("http://local\thost/jwks", "a tab in the host: WHATWG strips it and reads localhost"),
    ("http://evil.exa\tmple.localhost/jwks", "a tab WHATWG strips"),
    ("ht\ntps://auth.example.com/jwks", "a newline in the scheme"),
    ("https://auth.example.com/jw\r\nks", "CR LF in the path"),
    ("https://auth.example.com/jwks\n", "a trailing newline: WHATWG strips it"),
    (" https://auth.example.com/jwks", "a leading space: WHATWG strips it"),
    ("https://auth.example.com/jwks ", "a trailing space: WHATWG strips it"),
    ("https://auth.example.com/ jwks", "a space in the path"),
    ("https://auth.example.com/jwks?a b", "a space in the query"),
    ("https://auth.example.com:\t443/jwks", "a tab in the port"),
    ("https://auth.example.com/jwks\u0000", "NUL"),
    ("https://auth.example.com/j\u0000wks", "NUL in the path"),
    ("https://auth.example.com/jwks\u007f", "DEL"),
    ("https://auth.example.com/jwks\u000b", "a vertical tab"),
    ("https://auth.example.com/jwks\u000c", "a form feed"),
    ("https://auth.example.com/jw\u001fks", "a C0 control"),
    ("https://auth.example.com/jwks\u0085", "NEL, a C1 control"),
    ("https://auth.example.com/jwks\u00a0", "a no-break space"),
    ("https://auth.example.com/jwks\u2028", "a line separator"),
    ("https://auth.example.com/jwks\u3000", "an ideographic space"),
]:
    no(url, "whitespace", why)

# Not ASCII
for url, why in [
    ("https://auth.example.com\ufeff/jwks", "a byte order mark after the host"),
    ("https://auth.exa\u200bmple.com/jwks", "a zero-width space: WHATWG's IDNA mapping removes it"),
    ("http://\u24dbocalhost/jwks", "a circled l: WHATWG maps the host to localhost"),
    ("http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/jwks",
     "fullwidth letters: WHATWG maps them to localhost"),
    ("http://localhost\u3002evil.example/jwks", "an ideographic full stop: WHATWG reads localhost.evil.example"),
    ("http://127\uff0e0\uff0e0\uff0e1/jwks", "fullwidth full stops in an address"),
    ("https://\u0430uth.example.com/jwks", "a Cyrillic a (a homograph)"),
    ("https://b\u00fccher.example/jwks", "a Unicode host: WHATWG turns it into punycode, the HTTP client refuses it"),
    ("https://BU\u0308CHER.example/jwks", "a combining mark: WHATWG normalises it"),
    ("https://auth.example.com/\u00fc", "raw non-ASCII in the path: WHATWG percent-encodes it"),
    ("https://auth.example.com/jwks?\u00fc", "raw non-ASCII in the query"),
    ("https://auth.example.com\uff0fjwks", "a fullwidth slash in the host"),
    ("https://auth.example.com/\U0001F511", "an emoji in the path"),
]:
    no(url, "not_ascii", why)

# Backslashes (WHATWG reads \ as / in special URLs)
for url, why in [
    ("https://auth.example.com\\jwks", "after the host: WHATWG ends the host there"),
    ("https:\\\\auth.example.com\\jwks", "instead of //"),
    ("https:/\\auth.example.com/jwks", "one of the two slashes"),
    ("http://localhost\\@evil.example/jwks", "before an @: WHATWG reads host localhost, another reader evil.example"),
    ("http://127.0.0.1\\.evil.example/jwks", "after a loopback address"),
    ("https://auth.example.com/a\\..\\jwks", "as a path separator around .."),
    ("https://auth.example.com/jwks?x=\\", "in the query"),
    ("https://auth.example.com/jw\\ks", "in the path"),
]:
    no(url, "backslash", why)

# Fragments
for url, why in [
    ("https://auth.example.com/jwks#keys", "a fragment"),
    ("https://auth.example.com/jwks#", "an empty fragment"),
    ("https://auth.example.com/jwks?x#y", "a fragment after a query"),
    ("http://127.0.0.1#@evil.example/jwks", "# before an @"),
    ("https://#auth.example.com/jwks", "# in place of the host"),
]:
    no(url, "fragment", why)

# Not an absolute URL with //
for url, why in [
    ("/api/auth/jwks", "a path only"),
    ("auth.example.com/jwks", "no scheme"),
    ("//auth.example.com/jwks", "scheme-relative"),
    ("https:/auth.example.com/jwks", "one slash: WHATWG forgives it in special schemes"),
    ("https:auth.example.com/jwks", "no slash: WHATWG forgives it in special schemes"),
    ("http:localhost/jwks", "no slash before localhost"),
    ("https//auth.example.com/jwks", "no colon after the scheme"),
    ("://auth.example.com/jwks", "an empty scheme"),
    ("1https://auth.example.com/jwks", "a scheme that starts with a digit"),
]:
    no(url, "not_absolute", why)

# Other schemes
for url, why in [
    ("ftp://auth.example.com/jwks", "ftp:"),
    ("ws://localhost/jwks", "ws:"),
    ("wss://auth.example.com/jwks", "wss:"),
    ("file:///etc/passwd", "file:"),
    ("javascript:alert(1)", "javascript:"),
    ("data:application/json,{}", "data:"),
    ("httpx://auth.example.com/jwks", "a scheme that starts like http"),
    ("https+unix://auth.example.com/jwks", "a compound scheme"),
    ("localhost:3000/jwks", "a host and port read as a scheme"),
]:
    no(url, "scheme", why)

# No host
for url, why in [
    ("https:///auth.example.com/jwks", "three slashes: WHATWG skips them and reads host auth.example.com"),
    ("https:////auth.example.com/jwks", "four slashes"),
    ("http:///localhost/jwks", "three slashes before localhost"),
    ("https://", "nothing after the scheme"),
    ("https://?x=1", "a query where the host should be"),
    ("https://:443/jwks", "a port without a host"),
]:
    no(url, "no_host", why)

# Credentials and @ in the authority
for url, why in [
    ("https://user:pw@auth.example.com/jwks", "user and password"),
    ("https://user@auth.example.com/jwks", "a user name"),
    ("https://@auth.example.com/jwks", "an empty userinfo"),
    ("https://:@auth.example.com/jwks", "an empty user and password"),
    ("http://localhost@evil.example/jwks", "localhost as a user name, host evil.example"),
    ("http://127.0.0.1:3000@evil.example/jwks", "a loopback address and port as userinfo"),
    ("http://evil.example@localhost/jwks", "userinfo even with a loopback host"),
    ("http://a@b@localhost/jwks", "two @: readers split at the first or the last"),
    ("https://auth.example.com@evil.example?x=1", "@ before a query"),
]:
    no(url, "credentials", why)

# Host names
for url, why in [
    ("http://%6cocalhost/jwks", "percent-encoding in the host: WHATWG decodes it to localhost"),
    ("https://auth%2eexample.com/jwks", "an encoded dot in the host"),
    ("http://127.0.0.%31/jwks", "an encoded digit in an address"),
    ("https://auth.example.com%40evil.example/jwks", "an encoded @ in the host"),
    ("https://auth.example.com%2fjwks", "an encoded slash in the host"),
    ("https://a;b.example/jwks", "; in the host"),
    ("https://a!b.example/jwks", "! in the host (WHATWG accepts it, DNS and TLS do not)"),
    ("https://a*b.example/jwks", "* in the host"),
    ("https://*.example.com/jwks", "a wildcard host"),
    ("https://a~b.example/jwks", "~ in the host"),
    ("https://a=b.example/jwks", "= in the host"),
    ("https://a'b.example/jwks", "a quote in the host"),
    ("https://a$b.example/jwks", "$ in the host"),
    ("https://a^b.example/jwks", "^ in the host (forbidden in WHATWG)"),
    ("https://a|b.example/jwks", "| in the host"),
    ("https://a<b.example/jwks", "< in the host"),
    ("https://a\"b.example/jwks", "a double quote in the host"),
    ("https://a{b}.example/jwks", "braces in the host"),
    ("https://a`b.example/jwks", "a backtick in the host"),
    ("https://a]b.example/jwks", "] outside an IPv6 address"),
    ("https://a[b.example/jwks", "[ inside a host"),
    ("https://a.example[::1]/jwks", "an IPv6 address after a name"),
]:
    no(url, "host_name", why)

# Labels
for url, why in [
    ("https://auth..example.com/jwks", "an empty label"),
    ("https://.auth.example.com/jwks", "a leading dot"),
    ("https://auth.example.com./jwks", "a trailing dot: another Host header than without it"),
    ("http://localhost./jwks", "localhost with a trailing dot"),
    ("http://127.0.0.1./jwks", "an address with a trailing dot"),
    ("https://./jwks", "a lone dot"),
    ("https://-auth.example.com/jwks", "a label that starts with a hyphen (TLS refuses it)"),
    ("https://auth-.example.com/jwks", "a label that ends with a hyphen"),
    ("https://auth.example.com-/jwks", "a last label that ends with a hyphen"),
    ("http://-.localhost/jwks", "a hyphen alone"),
    ("https://xn--.example/jwks", "an empty A-label ends in a hyphen"),
]:
    no(url, "host_label", why)

no("https://" + "a" * 64 + ".example/jwks", "host_length", "a 64-character label")
no("https://" + ".".join(["a" * 63] * 4) + ".example/jwks", "host_length", "a host name over 253 characters")

# Punycode
for url, why in [
    ("https://xn--bcher-kva.example/jwks", "a valid A-label: readers that check it agree, the core cannot check it"),
    ("https://XN--BCHER-KVA.example/jwks", "an A-label in upper case"),
    ("https://xn--a.example/jwks", "an invalid A-label: WHATWG refuses it"),
    ("http://xn--localhost.localhost/jwks", "an A-label under localhost"),
]:
    no(url, "punycode", why)

# Numeric hosts that are not dotted-decimal IPv4
for url, why in [
    ("http://127.1/jwks", "two parts: WHATWG and inet_aton read 127.0.0.1"),
    ("http://127.0.1/jwks", "three parts: WHATWG reads 127.0.0.1"),
    ("http://0x7f.1/jwks", "hex and shorthand: WHATWG reads 127.0.0.1"),
    ("http://0x7f000001/jwks", "one hex number"),
    ("http://2130706433/jwks", "one decimal number: WHATWG reads 127.0.0.1"),
    ("http://0177.0.0.1/jwks", "octal: WHATWG reads 127.0.0.1"),
    ("http://127.0.0.01/jwks", "a leading zero (octal to WHATWG)"),
    ("http://127.000.000.001/jwks", "zero-padded parts"),
    ("http://0X7F.0.0.1/jwks", "upper-case hex"),
    ("http://127.0.0.0x1/jwks", "a hex last part"),
    ("https://0x7f.0.0.1/jwks", "hex over https: WHATWG fetches 127.0.0.1"),
    ("https://08.1.1.1/jwks", "an invalid octal part: WHATWG refuses it"),
    ("https://1.2.3.256/jwks", "a part over 255"),
    ("http://127.0.0.256/jwks", "a loopback-looking address with a part over 255"),
    ("https://1.2.3.4.5/jwks", "five parts"),
    ("https://1.2.3/jwks", "three parts: WHATWG reads 1.2.0.3"),
    ("https://4294967296/jwks", "a number over 32 bits"),
    ("https://auth.123/jwks", "a name whose last label is a number: WHATWG refuses it"),
    ("https://auth.0x/jwks", "a last label 0x: a hex number to WHATWG"),
    ("https://0x/jwks", "0x alone: WHATWG reads 0.0.0.0"),
    ("https://auth.0x1f/jwks", "a hex last label"),
    ("https://example.0/jwks", "a last label 0"),
    ("http://0/jwks", "0: WHATWG reads 0.0.0.0"),
    ("https://256/jwks", "a lone number"),
]:
    no(url, "ipv4", why)

# IPv6
for url, why in [
    ("https://[fe80::1%25eth0]/jwks", "a zone id, encoded"),
    ("https://[fe80::1%eth0]/jwks", "a zone id"),
    ("https://[::1/jwks", "an unclosed bracket"),
    ("https://[::1]x/jwks", "text after the bracket"),
    ("https://[::1]]/jwks", "two closing brackets"),
    ("https://[[::1]]/jwks", "nested brackets"),
    ("https://[127.0.0.1]/jwks", "an IPv4 address in brackets"),
    ("https://[1:2:3:4:5:6:7:8:9]/jwks", "nine pieces"),
    ("https://[12345::1]/jwks", "a piece of five digits"),
    ("https://[::01.2.3.4]/jwks", "a leading zero in embedded IPv4"),
    ("https://[1::2::3]/jwks", "two ::"),
    ("https://[v1.x]/jwks", "an IPvFuture literal"),
    ("https://[]/jwks", "empty brackets"),
    ("https://[localhost]/jwks", "a name in brackets"),
    ("http://[::1]@evil.example/jwks", "an IPv6 address as userinfo"),
]:
    no(url, "credentials" if "@" in url else "ipv6", why)

# Ports
for url, why in [
    ("https://auth.example.com:/jwks", "an empty port: WHATWG reads the default port"),
    ("https://[::1]:/jwks", "an empty port after IPv6"),
    ("https://auth.example.com:99999/jwks", "over 65535"),
    ("https://auth.example.com:65536/jwks", "just over 65535"),
    ("https://auth.example.com:0/jwks", "port 0"),
    ("https://auth.example.com:00/jwks", "port 0 with a leading zero"),
    ("https://auth.example.com:-1/jwks", "a negative port"),
    ("https://auth.example.com:+443/jwks", "a plus sign"),
    ("https://auth.example.com:44x/jwks", "a letter"),
    ("https://auth.example.com:0x1bb/jwks", "hex"),
    ("https://auth.example.com:443:443/jwks", "two ports"),
    ("https://auth.example.com::443/jwks", "two colons"),
    ("http://localhost:3000:evil.example/jwks", "a host after the port"),
    ("http://localhost:80.localhost/jwks", "a name after the port"),
    ("https://auth.example.com:4294967739/jwks", "443 plus 2^32"),
    ("https://auth.example.com:%34%34%33/jwks", "a percent-encoded port"),
]:
    no(url, "port", why)

# http: only to loopback hosts
for url, why in [
    ("http://auth.example.com/api/auth/jwks", "plain text to a public name"),
    ("http://10.0.0.1/jwks", "plain text to a private address"),
    ("http://128.0.0.1/jwks", "just outside 127.0.0.0/8"),
    ("http://0.0.0.0/jwks", "0.0.0.0 is not loopback"),
    ("http://[::2]/jwks", "an IPv6 address that is not ::1"),
    ("http://[::ffff:127.0.0.1]/jwks", "IPv4-mapped 127.0.0.1 is not ::1"),
    ("http://[::]/jwks", "the unspecified IPv6 address"),
    ("http://localhost.evil.example/jwks", "localhost as the first label of another name"),
    ("http://evil-localhost/jwks", "a name that ends in localhost"),
    ("http://evillocalhost/jwks", "a name that ends in localhost, no dot"),
    ("http://localhost-evil.example/jwks", "a name that starts with localhost"),
    ("http://evil.example/.localhost", "localhost in the path"),
    ("http://evil.example/jwks?.localhost", "localhost in the query"),
    ("http://evil.example/x/evil.example.localhost", "a loopback-looking name in the path"),
    ("http://127.0.0.1.nip.io/jwks", "a name that starts with a loopback address"),
]:
    no(url, "not_loopback", why)

# Characters a path or query must not hold raw
for url, why in [
    ("https://auth.example.com/{jwks}", "braces: WHATWG percent-encodes them in the path"),
    ("https://auth.example.com/jw`ks", "a backtick: WHATWG percent-encodes it in the path"),
    ("https://auth.example.com/a|b", "| in the path"),
    ("https://auth.example.com/a^b", "^ in the path"),
    ("https://auth.example.com/a[0]", "brackets in the path"),
    ("https://auth.example.com/\"x\"", "double quotes: WHATWG percent-encodes them"),
    ("https://auth.example.com/<x>", "angle brackets: WHATWG percent-encodes them"),
    ("https://auth.example.com/jwks?x='y'", "a quote in the query: WHATWG percent-encodes it in special URLs"),
    ("https://auth.example.com/jwks?x=\"y\"", "a double quote in the query"),
    ("https://auth.example.com/jwks?x=<y>", "angle brackets in the query"),
    ("https://auth.example.com/jwks?x={}", "braces in the query"),
    ("https://auth.example.com/jwks?x=|", "| in the query"),
    ("https://auth.example.com/jwks?x=^", "^ in the query"),
    ("https://auth.example.com/jwks?x=`", "a backtick in the query"),
    ("https://auth.example.com/jwks?x=[1]", "brackets in the query"),
]:
    no(url, "path_character", why)

# Stray percent signs
for url, why in [
    ("https://auth.example.com/%", "a % at the end"),
    ("https://auth.example.com/%zz", "a % before non-hex"),
    ("https://auth.example.com/%2", "a % with one hex digit"),
    ("https://auth.example.com/jwks?x=%G1", "a bad escape in the query"),
    ("https://auth.example.com/100%/jwks", "a literal percent"),
    ("https://auth.example.com/%%32%65/jwks", "a double percent that some servers decode twice"),
]:
    no(url, "percent", why)

# Empty queries: fetch drops a lone ?, ureq sends it
for url, why in [
    ("https://auth.example.com/jwks?", "a lone ? after the path"),
    ("https://auth.example.com?", "a lone ? after the host"),
    ("http://127.0.0.1:3000/jwks?", "a lone ? on a loopback URL"),
]:
    no(url, "empty_query", why)

# Dot segments (WHATWG removes them)
for url, why in [
    ("https://auth.example.com/./jwks", "a . segment"),
    ("https://auth.example.com/a/../jwks", "a .. segment"),
    ("https://auth.example.com/..", "a last .. segment"),
    ("https://auth.example.com/.", "a last . segment"),
    ("https://auth.example.com/jwks/.?x=1", "a . segment before a query"),
    ("https://auth.example.com/jwks/..?x=1", "a .. segment before a query"),
    ("https://auth.example.com/%2e/jwks", "an encoded . segment"),
    ("https://auth.example.com/%2E%2E/jwks", "an encoded .. segment, upper case"),
    ("https://auth.example.com/a/.%2e/jwks", "half-encoded .."),
    ("https://auth.example.com/a/%2e./jwks", "half-encoded .., the other half"),
    ("http://localhost/../../etc/passwd", "climbing out of the root"),
]:
    no(url, "dot_segment", why)

# Percent-encoded separators and controls in the path
for url, why in [
    ("https://auth.example.com/a%2Fb", "an encoded slash: servers differ on whether it separates segments"),
    ("https://auth.example.com/a%2fb", "an encoded slash, lower case"),
    ("https://auth.example.com/a%5Cb", "an encoded backslash"),
    ("https://auth.example.com/a%00b", "an encoded NUL"),
    ("https://auth.example.com/a%0Ab", "an encoded newline"),
    ("https://auth.example.com/a%0d%0aHost:%20evil", "encoded CR LF"),
    ("https://auth.example.com/a%7F", "an encoded DEL"),
    ("http://localhost/a/..%2f..%2fjwks", "..%2f..%2f is one segment to WHATWG, a climb to servers that decode %2F"),
]:
    no(url, "encoded_separator", why)

FETCHED = [
    ("http://127.0.0.1:{port}/jwks", "/jwks"),
    ("http://127.0.0.1:{port}", "/"),
    ("http://127.0.0.1:{port}?k=v", "/?k=v"),
    ("HTTP://127.0.0.1:0{port}/api/auth/jwks", "/api/auth/jwks"),
    ("http://127.0.0.1:{port}/a;b/%7E@x/!$&'()*+,=:~/jwks?k=a/b?c@d&e=%2F%27",
     "/a;b/%7E@x/!$&'()*+,=:~/jwks?k=a/b?c@d&e=%2F%27"),
    ("http://127.0.0.1:{port}/jwks?k=a%20b+c;d", "/jwks?k=a%20b+c;d"),
    ("http://127.0.0.1:{port}//jwks/?a", "//jwks/?a"),
    ("http://127.0.0.1:{port}/a.b/..c/.d/%2e%2e%2e/jwks", "/a.b/..c/.d/%2e%2e%2e/jwks"),
]

DESCRIPTION = (
    "Tricky keys.jwks_url values and what the core does with each (written by generate.py): "
    "'canonical' is the one form it keeps and hands to every fetcher (key status shows it "
    "without its query); 'refused' is the problem it reports (a config error on keys.jwks_url "
    "that never repeats the URL). Read by core/src/jwks_url.rs (the problems), "
    "core/tests/jwks_urls.rs (the public API; with the http feature, http::Uri and a real fetch) "
    "and bindings-node/test/jwks-urls-suite.mjs (the addon and the WebAssembly build, against "
    "WHATWG's URL). 'fetched': URLs served by a server on 127.0.0.1 ({port} is its port) and the "
    "request target it must receive."
)


def dump(value):
    """One line of JSON, with invisible and combining characters escaped."""

    def escape(c):
        if ord(c) < 0x7F or (c.isprintable() and unicodedata.category(c)[0] not in "MZC"):
            return c
        units = c.encode("utf-16-be")
        return "".join(f"\\u{units[i] << 8 | units[i + 1]:04x}" for i in range(0, len(units), 2))

    return "".join(escape(c) for c in json.dumps(value, ensure_ascii=False))


def main():
    urls = R[:1] + A + R[1:]  # the finding first
    fetched = [{"url": u, "target": t} for u, t in FETCHED]
    lines = ["{", f'  "description": {dump(DESCRIPTION)},', '  "urls": [']
    lines += ["    " + dump(e) + ("," if i < len(urls) - 1 else "") for i, e in enumerate(urls)]
    lines += ["  ],", '  "fetched": [']
    lines += ["    " + dump(e) + ("," if i < len(fetched) - 1 else "") for i, e in enumerate(fetched)]
    lines += ["  ]", "}"]
    text = "\n".join(lines) + "\n"
    json.loads(text)
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.name}: {len(A)} accepted, {len(R)} refused, {len(fetched)} fetched")


if __name__ == "__main__":
    main()
