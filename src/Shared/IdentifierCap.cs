using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Dreaming;

/// <summary>Caps an identifier at a length as it is recorded: itself when it fits, else its start, <c>~</c> and a hash of
/// the whole. The library caps a provider's ids with it (<c>RecordedIdentifiers</c>) and an imported log's session and
/// agent ids (<see cref="StoredId"/>); the CLI finds an imported session by the id its log gave with the same function.</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each). Stateless and thread-safe.</remarks>
internal static class IdentifierCap
{
    /// <summary>The hexadecimal digits of the hash that ends a capped value: the first 128 bits of its SHA-256.</summary>
    internal const int HashDigits = 32;

    /// <summary>Gets the value as recorded: itself when it fits <paramref name="maxLength"/> (the same instance, so nothing
    /// is allocated), else its first characters (never half of a surrogate pair), <c>~</c> and <see cref="HashDigits"/>
    /// lowercase hexadecimal digits of the SHA-256 of all of its UTF-16 code units (little-endian, lone surrogates and NULs
    /// included, so values that differ only there stay apart).</summary>
    /// <remarks>SHA-256 rather than a faster non-cryptographic hash: the value comes from a provider, which could craft two
    /// long ids that collide under a hash that does not resist it, and is deterministic across processes and machines (a
    /// live session and its import, recorded apart, must give the same id); it only ever runs on a value past the cap.</remarks>
    /// <param name="value">The provider's id or name.</param>
    /// <param name="maxLength">The cap, more than <see cref="HashDigits"/> + 1.</param>
    /// <returns>The value, or its capped form of at most <paramref name="maxLength"/> characters.</returns>
    public static string Cap(string value, int maxLength)
    {
        if (value.Length <= maxLength)
        {
            return value;
        }

        var keep = maxLength - HashDigits - 1;
        if (char.IsHighSurrogate(value[keep - 1]))
        {
            keep--;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        if (BitConverter.IsLittleEndian)
        {
            SHA256.HashData(MemoryMarshal.AsBytes(value.AsSpan()), hash);
        }
        else
        {
            var units = new ushort[value.Length];
            for (var i = 0; i < units.Length; i++)
            {
                units[i] = BinaryPrimitives.ReverseEndianness(value[i]);
            }

            SHA256.HashData(MemoryMarshal.AsBytes(units.AsSpan()), hash);
        }

        return string.Concat(value.AsSpan(0, keep), "~", Convert.ToHexStringLower(hash[..(HashDigits / 2)]));
    }

    /// <summary>Gets a session or agent id as an import stores it: capped at <see cref="SessionRecord.MaxIdLength"/>.</summary>
    /// <param name="id">The id as the log gives it.</param>
    /// <returns>The id, or its capped form of <see cref="SessionRecord.MaxIdLength"/> characters.</returns>
    public static string StoredId(string id) => Cap(id, SessionRecord.MaxIdLength);

    /// <summary>Looks up what is stored under a session or agent id a person gives, which may be an imported log's id as
    /// the log gave it: under the id as given, then, when that finds nothing and the id is longer than
    /// <see cref="SessionRecord.MaxIdLength"/>, under <see cref="StoredId"/> of it, the form the import stored (a build
    /// before the cap stored the id whole, found as given). The CLI's commands and the agent view look ids up with it, so
    /// each finds what the others do.</summary>
    /// <typeparam name="T">What the lookup gives.</typeparam>
    /// <param name="id">The id as given.</param>
    /// <param name="find">Looks up an id.</param>
    /// <param name="found">Whether what <paramref name="find"/> gave holds something.</param>
    /// <returns>The id looked up last (the capped form only when the id as given found nothing) and what it gave.</returns>
    public static async Task<(string Id, T Result)> FindAsync<T>(string id, Func<string, Task<T>> find, Func<T, bool> found)
    {
        var result = await find(id).ConfigureAwait(false);
        if (found(result) || id.Length <= SessionRecord.MaxIdLength)
        {
            return (id, result);
        }

        var stored = StoredId(id);
        return (stored, await find(stored).ConfigureAwait(false));
    }

    /// <summary>Looks up what is stored under a memory scope a person gives: an agent scope as <see cref="FindAsync{T}(string, Func{string, Task{T}}, Func{T, bool})"/>
    /// does its agent id (the scope a dream of an imported log's agent id, as the log gave it, dreamt for is that of its
    /// capped form); a team or the global scope as given.</summary>
    /// <typeparam name="T">What the lookup gives.</typeparam>
    /// <param name="scope">The scope as given.</param>
    /// <param name="find">Looks up a scope.</param>
    /// <param name="found">Whether what <paramref name="find"/> gave holds something.</param>
    /// <returns>The scope looked up last and what it gave.</returns>
    public static async Task<(MemoryScope Scope, T Result)> FindAsync<T>(MemoryScope scope, Func<MemoryScope, Task<T>> find, Func<T, bool> found)
    {
        if (scope.Kind != MemoryScopeKind.Agent)
        {
            return (scope, await find(scope).ConfigureAwait(false));
        }

        var (id, result) = await FindAsync(scope.Id, id => find(MemoryScope.Agent(id)), found).ConfigureAwait(false);
        return (ReferenceEquals(id, scope.Id) ? scope : MemoryScope.Agent(id), result);
    }
}
