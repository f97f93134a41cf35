using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Dreaming;

/// <summary>Whose memory a version or an insight belongs to: one agent, a team of agents, or every agent.</summary>
/// <remarks>
/// <para>A scope is written as a key: <c>agent:&lt;id&gt;</c>, <c>team:&lt;id&gt;</c> or <c>global</c> (see <see cref="Key"/>
/// and <see cref="Parse"/>). Stores keep the key, and JSON carries it as that string. Ids are compared ordinally, so
/// <c>agent:Bot</c> and <c>agent:bot</c> are different scopes.</para>
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
    /// <exception cref="ArgumentException">The id is empty or white space.</exception>
    public static MemoryScope Agent(string agentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        return new(MemoryScopeKind.Agent, agentId);
    }

    /// <summary>Creates the scope of a team (or tenant) of agents.</summary>
    /// <param name="teamId">The team id.</param>
    /// <returns>The scope.</returns>
    /// <exception cref="ArgumentException">The id is empty or white space.</exception>
    public static MemoryScope Team(string teamId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(teamId);
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
    /// <returns>Whether the key is valid.</returns>
    public static bool TryParse([NotNullWhen(true)] string? key, [NotNullWhen(true)] out MemoryScope? scope)
    {
        scope = key switch
        {
            null => null,
            GlobalKey => Global,
            _ when key.StartsWith(AgentPrefix, StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(key[AgentPrefix.Length..]) =>
                new(MemoryScopeKind.Agent, key[AgentPrefix.Length..]),
            _ when key.StartsWith(TeamPrefix, StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(key[TeamPrefix.Length..]) =>
                new(MemoryScopeKind.Team, key[TeamPrefix.Length..]),
            _ => null,
        };
        return scope is not null;
    }

    /// <summary>Returns the <see cref="Key"/>.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => Key;
}
