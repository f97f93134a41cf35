using System.Text.Json;

namespace Dreaming.Tests;

/// <summary><see cref="WorkItemOutput"/> keeps <see cref="WorkItemOutput.OriginalLength"/> in the field of its agent's
/// name, so that the orchestrator's one object per completed item stays 40 bytes: what a record promises (equality, hash
/// code, <c>with</c>, deconstruction, text, JSON) is unchanged by that.</summary>
public class WorkItemOutputTests
{
    [Fact]
    public void An_output_whole_or_cut_is_40_bytes_as_it_was_before_it_could_say_it_was_cut()
    {
        var agent = "writer";
        Assert.Equal(40, BytesOf(() => new WorkItemOutput("a", agent, "text")));

        // A cut output adds the small record that holds the agent's name with the length; the output itself stays 40.
        Assert.Equal(40 + 32, BytesOf(() => new WorkItemOutput("a", agent, "text") { OriginalLength = 5 }));
    }

    [Fact]
    public void Properties_read_back_what_was_given_in_any_order_of_initialisation()
    {
        var whole = new WorkItemOutput("a", "writer", "text");
        Assert.Equal(("a", "writer", "text", (int?)null), (whole.Id, whole.Agent, whole.Output, whole.OriginalLength));

        var cut = whole with { Output = "te", OriginalLength = 4 };
        Assert.Equal(("a", "writer", "te", (int?)4), (cut.Id, cut.Agent, cut.Output, cut.OriginalLength));

        // The agent renamed after the length, and before it, give the same object; so does taking the length away.
        Assert.Equal(("reviewer", (int?)4), ((cut with { Agent = "reviewer" }).Agent, (cut with { Agent = "reviewer" }).OriginalLength));
        Assert.Equal(cut with { Agent = "reviewer" }, whole with { Agent = "reviewer", Output = "te", OriginalLength = 4 });
        Assert.Equal(whole with { Output = "te" }, cut with { OriginalLength = null });
        Assert.Null((cut with { OriginalLength = null }).OriginalLength);
        Assert.Equal("writer", (cut with { OriginalLength = null }).Agent);

        // The copy leaves the original as it was.
        Assert.Equal(("writer", (int?)null), (whole.Agent, whole.OriginalLength));
        var (id, agent, output) = cut;
        Assert.Equal(("a", "writer", "te"), (id, agent, output));
    }

    [Fact]
    public void Equality_and_hash_codes_are_by_value_with_the_length_counted()
    {
        var cut = new WorkItemOutput("a", "writer", "te") { OriginalLength = 4 };
        var same = new WorkItemOutput("a", new string("writer".AsSpan()), "te") { OriginalLength = 4 };

        Assert.Equal(cut, same);
        Assert.Equal(cut.GetHashCode(), same.GetHashCode());
        Assert.NotEqual(cut, same with { OriginalLength = 5 });
        Assert.NotEqual(cut, same with { Agent = "other" });
        Assert.NotEqual(cut, same with { OriginalLength = null });
        Assert.NotEqual(new WorkItemOutput("a", "writer", "te"), cut);
        Assert.Equal(new WorkItemOutput("a", "writer", "te"), new WorkItemOutput("a", new string("writer".AsSpan()), "te"));
        Assert.Equal(new WorkItemOutput("a", "writer", "te").GetHashCode(), new WorkItemOutput("a", new string("writer".AsSpan()), "te").GetHashCode());
    }

    [Fact]
    public void Text_and_json_show_the_public_properties_only_and_json_reads_back_equal()
    {
        var cut = new WorkItemOutput("a", "writer", "te") { OriginalLength = 4 };
        var whole = new WorkItemOutput("b", "writer", "text");

        Assert.Equal("WorkItemOutput { Id = a, Agent = writer, Output = te, OriginalLength = 4 }", cut.ToString());
        Assert.Equal("WorkItemOutput { Id = b, Agent = writer, Output = text, OriginalLength =  }", whole.ToString());

        var json = JsonSerializer.Serialize(cut, JsonSerializerOptions.Web);
        Assert.Equal("""{"id":"a","agent":"writer","output":"te","originalLength":4}""", json);
        Assert.Equal(cut, JsonSerializer.Deserialize<WorkItemOutput>(json, JsonSerializerOptions.Web));
        Assert.Equal(whole, JsonSerializer.Deserialize<WorkItemOutput>(JsonSerializer.Serialize(whole, JsonSerializerOptions.Web), JsonSerializerOptions.Web));
    }

    [Fact]
    public void A_null_agent_passed_in_by_a_caller_that_ignores_nullability_reads_back_null_cut_or_not()
    {
        var whole = new WorkItemOutput("a", null!, "text");
        Assert.Null(whole.Agent);
        Assert.Null((whole with { OriginalLength = 9 }).Agent);
        Assert.Equal(9, (whole with { OriginalLength = 9 }).OriginalLength);
    }

    private static long BytesOf(Func<WorkItemOutput> make)
    {
        GC.KeepAlive(make());
        const int Count = 1_000;
        var kept = new WorkItemOutput[Count];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Count; i++)
        {
            kept[i] = make();
        }

        var after = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(kept);
        return (after - before) / Count;
    }
}
