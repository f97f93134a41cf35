using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>Whose memory a version or an insight belongs to: one agent, a team of agents, or every agent.</summary>
/// <remarks>
/// <para>A scope is written as a key: <c>agent:&lt;id&gt;</c>, <c>team:&lt;id&gt;</c> or <c>global</c> (see <see cref="Key"/>
/// and <see cref="Parse"/>). Stores keep the key, and JSON carries it as that string. Ids are compared ordinally, so
/// <c>agent:Bot</c> and <c>agent:bot</c> are different scopes.</para>
/// <para>An id must be Unicode text: one holding half a surrogate pair (a lone U+D800-U+DFFF) is refused, as the options,
/// the session factory and the CLI refuse it, since a store that keeps text as UTF-8 turns it into U+FFFD, so two such
/// ids (<c>a\uD800</c>, <c>a\uDC00</c>) would name one scope. Thread-safe: a scope is immutable.</para>
/// </remarks>
[JsonConverter(typeof(MemoryScopeJsonConverter))]
public sealed record MemoryScope
{
    private const string AgentPrefix = "agent:";
    private const string TeamPrefix = "team:";
    private const string GlobalKey = "global";

    private MemoryScope(MemoryScopeKind kind, string id)
    {
        Kind = kind;
        Id = id;
    }

    /// <summary>Gets the scope shared by every agent.</summary>
    public static MemoryScope Global { get; } = new(MemoryScopeKind.Global, string.Empty);

    /// <summary>Gets how wide the scope is.</summary>
    public MemoryScopeKind Kind { get; }

    /// <summary>Gets the agent or team id; empty for <see cref="Global"/>.</summary>
    public string Id { get; }

    /// <summary>Gets the key that names the scope: <c>agent:&lt;id&gt;</c>, <c>team:&lt;id&gt;</c> or <c>global</c>.</summary>
    public string Key => Kind switch
    {
        MemoryScopeKind.Agent => AgentPrefix + Id,
        MemoryScopeKind.Team => TeamPrefix + Id,
        _ => GlobalKey,
    };

    /// <summary>Creates the scope of one agent.</summary>
    /// <param name="agentId">The agent id, as sessions record it.</param>
    /// <returns>The scope.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="agentId"/> is null.</exception>
    /// <exception cref="ArgumentException">The id is empty or white space, or holds half a surrogate pair.</exception>
    public static MemoryScope Agent(string agentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        ThrowIfUnpairedSurrogate(agentId, "agent id", nameof(agentId));
        return new(MemoryScopeKind.Agent, agentId);
    }

    /// <summary>Creates the scope of a team (or tenant) of agents.</summary>
    /// <param name="teamId">The team id.</param>
    /// <returns>The scope.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="teamId"/> is null.</exception>
    /// <exception cref="ArgumentException">The id is empty or white space, or holds half a surrogate pair.</exception>
    public static MemoryScope Team(string teamId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(teamId);
        ThrowIfUnpairedSurrogate(teamId, "team id", nameof(teamId));
        return new(MemoryScopeKind.Team, teamId);
    }

    /// <summary>Reads a scope from its <see cref="Key"/>.</summary>
    /// <param name="key">The key, such as <c>agent:support-bot</c>.</param>
    /// <returns>The scope.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="FormatException">The text is not a scope key.</exception>
    public static MemoryScope Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return TryParse(key, out var scope)
            ? scope
            : throw new FormatException($"'{key}' is not a memory scope: write agent:<id>, team:<id> or global.");
    }

    /// <summary>Reads a scope from its <see cref="Key"/>.</summary>
    /// <param name="key">The key, such as <c>agent:support-bot</c>.</param>
    /// <param name="scope">The scope, when the key is valid.</param>
    /// <returns>Whether the key is valid; false for an id holding half a surrogate pair.</returns>
    public static bool TryParse([NotNullWhen(true)] string? key, [NotNullWhen(true)] out MemoryScope? scope)
    {
        scope = key switch
        {
            null => null,
            GlobalKey => Global,
            _ when key.StartsWith(AgentPrefix, StringComparison.Ordinal) && IsValidId(key.AsSpan(AgentPrefix.Length)) =>
                new(MemoryScopeKind.Agent, key[AgentPrefix.Length..]),
            _ when key.StartsWith(TeamPrefix, StringComparison.Ordinal) && IsValidId(key.AsSpan(TeamPrefix.Length)) =>
                new(MemoryScopeKind.Team, key[TeamPrefix.Length..]),
            _ => null,
        };
        return scope is not null;
    }

    private static bool IsValidId(ReadOnlySpan<char> id) => !id.IsWhiteSpace() && UnpairedSurrogates.IndexOf(id) < 0;

    private static void ThrowIfUnpairedSurrogate(string id, string what, string paramName)
    {
        if (UnpairedSurrogates.IndexOf(id) is var at and >= 0)
        {
            throw new ArgumentException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The {what} has an unpaired surrogate (half a character, U+{(int)id[at]:X4}) at index {at}; stores keep ids as UTF-8, which would make it U+FFFD and could give it the memory of another scope."),
                paramName);
        }
    }

    /// <summary>Returns the <see cref="Key"/>.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => Key;
}
