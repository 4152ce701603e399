using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MimeKit;

namespace EnContact.Syndication.Delivery;

/// <summary>
/// Makes the DKIM-Signature header (RFC 6376: v=1; a=rsa-sha256; c=relaxed/relaxed; d; s; t; h; bh; b)
/// of a message from its header block as written and the hash of its canonical body, signing with
/// the platform's RSA (OpenSSL on Linux: a 2048-bit signature takes about 0.3 ms, not the several
/// milliseconds of a managed big-integer implementation). Headers named in h= more often than the
/// message has them are signed as absent (over-signing, §8.15). An optional second signer makes
/// ed25519-sha256 signatures (RFC 8463) from the same header block and body hash.
/// </summary>
public sealed class DkimSigning : IDisposable
{
    private const int FoldAt = 76;

    // RSA objects are not documented as safe for concurrent use: each concurrent signature takes its own.
    private readonly ConcurrentBag<RSA> _keys = [];
    private readonly RSAParameters _parameters;
    private readonly Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters? _ed25519;
    private readonly string _algorithm = "rsa-sha256";

    private DkimSigning(Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters key, string domain, string selector)
    {
        _ed25519 = key;
        _algorithm = "ed25519-sha256";
        Domain = domain;
        Selector = selector;
    }

    /// <summary>A signer of ed25519-sha256 signatures (RFC 8463) with an Ed25519 private key in PEM (PKCS#8).</summary>
    public static DkimSigning Ed25519(string pem, string domain, string selector)
    {
        object? read;
        try
        {
            read = new Org.BouncyCastle.OpenSsl.PemReader(new StringReader(pem)).ReadObject();
        }
        catch (Exception e) when (e is IOException or Org.BouncyCastle.Security.SecurityUtilityException or ArgumentException or InvalidCastException)
        {
            throw new FormatException($"the Ed25519 key is not a private key in PEM: {e.Message}", e);
        }
        return read switch
        {
            Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters key => new DkimSigning(key, domain, selector),
            Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair { Private: Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters key } => new DkimSigning(key, domain, selector),
            _ => throw new FormatException($"the Ed25519 key must be an Ed25519 private key in PEM (PKCS#8), not {read?.GetType().Name ?? "nothing"}"),
        };
    }

    /// <summary>The public key as its DNS record gives it (p=): the RSA key's SubjectPublicKeyInfo, or Ed25519's 32 bytes.</summary>
    public string PublicKeyRecord => _ed25519 is { } ed
        ? "v=DKIM1; k=ed25519; p=" + Convert.ToBase64String(ed.GeneratePublicKey().GetEncoded())
        : "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(PublicKeyInfo());

    private byte[] PublicKeyInfo()
    {
        using var rsa = RSA.Create();
        rsa.ImportParameters(PublicKey);
        return rsa.ExportSubjectPublicKeyInfo();
    }

    /// <summary>Reads an RSA private key from PEM (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY").</summary>
    public DkimSigning(string pem, string domain, string selector)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            // An Ed25519 key alone would leave the letter unsigned to every receiver that only checks rsa-sha256.
            rsa.Dispose();
            throw new FormatException($"the DKIM key must be an RSA private key in PEM (PKCS#1 or PKCS#8): {e.Message}", e);
        }
        if (rsa.KeySize < 1024)
        {
            rsa.Dispose();
            throw new FormatException($"the DKIM key has {rsa.KeySize} bits: receivers ignore RSA keys under 1024 bits (use 2048)");
        }
        _parameters = rsa.ExportParameters(includePrivateParameters: true);
        PublicKey = rsa.ExportParameters(includePrivateParameters: false);
        _keys.Add(rsa);
        Domain = domain;
        Selector = selector;
    }

    public string Domain { get; }

    public string Selector { get; }

    /// <summary>The public half (modulus and exponent), as published in DNS.</summary>
    public RSAParameters PublicKey { get; }

    /// <summary>The DKIM-Signature header for a message whose header block is <paramref name="headerBlock"/> (CRLF lines, as written) and whose relaxed body hashes to <paramref name="bodyHash"/>.</summary>
    public Header Sign(ReadOnlySpan<byte> headerBlock, IReadOnlyList<string> headersToSign, ReadOnlySpan<byte> bodyHash, DateTimeOffset now)
    {
        var hashed = new ArrayBufferWriter<byte>(2048);
        var fields = Fields(headerBlock);
        var used = new bool[fields.Count];
        foreach (var name in headersToSign)
        {
            // The last instance not yet signed (§5.4.2); none left: signed as absent, nothing hashed.
            for (var i = fields.Count - 1; i >= 0; i--)
            {
                if (used[i] || !NameIs(headerBlock, fields[i], name))
                    continue;
                used[i] = true;
                DkimCanonicalization.Header(headerBlock.Slice(fields[i].Start, fields[i].Length), lineEnd: true, hashed);
                break;
            }
        }

        var raw = new StringBuilder(700);
        raw.Append(CultureInfo.InvariantCulture, $" v=1; a={_algorithm}; c=relaxed/relaxed; d={Domain}; s={Selector};\r\n\tt={now.ToUnixTimeSeconds()}; h=");
        var column = " t=0000000000; h=".Length + 1;
        for (var i = 0; i < headersToSign.Count; i++)
        {
            var piece = (i == 0 ? "" : ":") + headersToSign[i];
            if (column + piece.Length > FoldAt)
            {
                raw.Append("\r\n\t");
                column = 1;
            }
            raw.Append(piece);
            column += piece.Length;
        }
        raw.Append(";\r\n\tbh=").Append(Convert.ToBase64String(bodyHash)).Append(";\r\n\tb=");
        var unsigned = Encoding.ASCII.GetBytes("DKIM-Signature:" + raw);
        DkimCanonicalization.Header(unsigned, lineEnd: false, hashed);

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(hashed.WrittenSpan, digest);
        var signature = SignHash(digest);
        var b = Convert.ToBase64String(signature);
        for (var i = 0; i < b.Length; i += 72)
            raw.Append(i == 0 ? "" : "\r\n\t").Append(b, i, Math.Min(72, b.Length - i));
        raw.Append("\r\n");
        var header = new Header(HeaderId.DkimSignature, "");
        header.SetRawValue(Encoding.ASCII.GetBytes(raw.ToString()));
        return header;
    }

    private byte[] SignHash(ReadOnlySpan<byte> digest)
    {
        if (_ed25519 is { } ed)
        {
            // RFC 8463: PureEdDSA over the SHA-256 hash of the canonical headers.
            var signer = new Org.BouncyCastle.Crypto.Signers.Ed25519Signer();
            signer.Init(true, ed);
            signer.BlockUpdate(digest);
            return signer.GenerateSignature();
        }
        if (!_keys.TryTake(out var rsa))
        {
            rsa = RSA.Create();
            rsa.ImportParameters(_parameters);
        }
        try
        {
            return rsa.SignHash(digest.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        finally
        {
            _keys.Add(rsa);
        }
    }

    /// <summary>Where each field of a header block starts and how long it is (folded lines included, final CRLF excluded); the block ends at its empty line.</summary>
    private static List<(int Start, int Length, int NameLength)> Fields(ReadOnlySpan<byte> block)
    {
        var fields = new List<(int, int, int)>(24);
        var position = 0;
        while (position < block.Length)
        {
            var rest = block[position..];
            if (rest.StartsWith("\r\n"u8) || rest.StartsWith("\n"u8))
                break;
            var end = position;
            while (true)
            {
                var newline = block[end..].IndexOf((byte)'\n');
                end = newline < 0 ? block.Length : end + newline + 1;
                if (end >= block.Length || block[end] is not ((byte)' ' or (byte)'\t'))
                    break;
            }
            var length = end - position;
            while (length > 0 && block[position + length - 1] is (byte)'\r' or (byte)'\n')
                length--;
            var colon = block.Slice(position, length).IndexOf((byte)':');
            if (colon > 0)
                fields.Add((position, length, block.Slice(position, colon).TrimEnd(" \t"u8).Length));
            position = end;
        }
        return fields;
    }

    private static bool NameIs(ReadOnlySpan<byte> block, (int Start, int Length, int NameLength) field, string name)
    {
        if (field.NameLength != name.Length)
            return false;
        for (var i = 0; i < name.Length; i++)
            if (char.ToLowerInvariant((char)block[field.Start + i]) != char.ToLowerInvariant(name[i]))
                return false;
        return true;
    }

    public void Dispose()
    {
        while (_keys.TryTake(out var rsa))
            rsa.Dispose();
    }
}
