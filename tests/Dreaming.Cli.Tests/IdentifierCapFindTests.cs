namespace Dreaming.Cli.Tests;

/// <summary><see cref="IdentifierCap.FindAsync{T}(string, Func{string, Task{T}}, Func{T, bool})"/>, the one fallback the
/// commands and the agent view look ids up with: an id within <see cref="SessionRecord.MaxIdLength"/> costs one lookup;
/// a longer one not found as given is looked up once more, capped; one found as given is not.</summary>
public sealed class IdentifierCapFindTests
{
    [Fact]
    public async Task An_id_of_exactly_the_cap_not_found_is_looked_up_once_as_given()
    {
        var id = new string('a', SessionRecord.MaxIdLength);
        var asked = new List<string>();

        var (found, result) = await IdentifierCap.FindAsync(id, given => Ask(asked, given, stored: null), static r => r is not null);

        Assert.Equal([id], asked);
        Assert.Same(id, found);
        Assert.Null(result);
    }

    [Fact]
    public async Task An_id_one_past_the_cap_not_found_as_given_is_looked_up_capped_and_gives_the_capped_id()
    {
        var id = new string('a', SessionRecord.MaxIdLength + 1);
        var capped = IdentifierCap.StoredId(id);
        var asked = new List<string>();

        var (found, result) = await IdentifierCap.FindAsync(id, given => Ask(asked, given, stored: capped), static r => r is not null);

        Assert.Equal(SessionRecord.MaxIdLength, capped.Length);
        Assert.Equal([id, capped], asked);
        Assert.Equal(capped, found);
        Assert.Equal(capped, result);
    }

    [Fact]
    public async Task A_long_id_stored_both_whole_and_capped_finds_the_whole_one_with_one_lookup()
    {
        // A build before the cap stored it whole; a later import stored it capped: the id as given wins.
        var id = new string('a', 300);
        var asked = new List<string>();

        var (found, result) = await IdentifierCap.FindAsync(id, given => Ask(asked, given, stored: given), static r => r is not null);

        Assert.Equal([id], asked);
        Assert.Same(id, found);
        Assert.Same(id, result);
    }

    [Fact]
    public async Task A_team_scope_with_a_long_id_is_looked_up_as_given_only_and_an_agent_scope_falls_back_to_its_capped_form()
    {
        var id = new string('a', 300);
        var asked = new List<MemoryScope>();
        Task<MemoryScope?> Find(MemoryScope scope)
        {
            asked.Add(scope);
            return Task.FromResult<MemoryScope?>(null);
        }

        var (team, _) = await IdentifierCap.FindAsync(MemoryScope.Team(id), Find, static r => r is not null);
        Assert.Equal([MemoryScope.Team(id)], asked);
        Assert.Equal(MemoryScope.Team(id), team);

        asked.Clear();
        var (agent, _) = await IdentifierCap.FindAsync(MemoryScope.Agent(id), Find, static r => r is not null);
        Assert.Equal([MemoryScope.Agent(id), MemoryScope.Agent(IdentifierCap.StoredId(id))], asked);
        Assert.Equal(MemoryScope.Agent(IdentifierCap.StoredId(id)), agent);
    }

    private static Task<string?> Ask(List<string> asked, string given, string? stored)
    {
        asked.Add(given);
        return Task.FromResult(given == stored ? given : null);
    }
}
