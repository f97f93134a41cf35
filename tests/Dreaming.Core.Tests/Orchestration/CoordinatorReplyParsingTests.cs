using System.Text;

namespace Dreaming.Tests;

/// <summary>The coordinator's reply is parsed once: the document its JSON was found in is the one read.</summary>
public class CoordinatorReplyParsingTests
{
    [Fact]
    public void A_long_plan_reply_is_read_without_parsing_it_a_second_time()
    {
        var reply = new StringBuilder("Here is the plan:\n```json\n{\"items\":[");
        for (var i = 0; i < 2000; i++)
        {
            reply.Append(i == 0 ? string.Empty : ",").Append("{\"id\":\"item-").Append(i).Append("\",\"agent\":\"worker\",\"instructions\":\"Do part ")
                .Append(i).Append(" of the work\",\"dependsOn\":[").Append(i == 0 ? string.Empty : $"\"item-{i - 1}\"").Append("]}");
        }

        var text = reply.Append("]}\n```").ToString();
        _ = CoordinatorPlanner.Parse("goal", text);

        // The least of three parses: a full collection between two (other tests run beside this one) empties the shared
        // array pool the JSON reader rents from, and a parse that rents afresh allocates more than the reply itself costs.
        OrchestrationPlan plan = null!;
        var allocated = long.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            plan = CoordinatorPlanner.Parse("goal", text);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(2000, plan.Items.Count);
        Assert.Equal(["item-1998"], plan.Items[1999].DependsOn);
        Assert.Equal("Do part 7 of the work", plan.Items[7].Instructions);

        // Read once, the reply costs about 10 bytes a character (its UTF-8 copy, the document, the plan's own strings and
        // items); parsed a second time, into a JsonNode tree, it cost about 20.
        Assert.True(allocated < 14L * text.Length, $"allocated {allocated:N0} bytes for a reply of {text.Length:N0} characters");
    }

    [Fact]
    public void Property_names_are_read_in_any_case_as_a_plan_files_are()
    {
        var plan = CoordinatorPlanner.Parse("goal", """
            {"Items":[{"ID":"a","Agent":"worker","Instructions":"x","DependsOn":["b"]},{"id":"b","agent":"worker","instructions":"y"}]}
            """);

        Assert.Equal(["a", "b"], plan.Items.Select(i => i.Id));
        Assert.Equal("worker", plan.Items[0].Agent);
        Assert.Equal("x", plan.Items[0].Instructions);
        Assert.Equal(["b"], plan.Items[0].DependsOn);
    }

    [Fact]
    public void A_property_given_twice_in_two_cases_is_refused()
    {
        var ex = Assert.Throws<PlanValidationException>(() => CoordinatorPlanner.Parse("goal", """
            {"items":[{"id":"a","agent":"worker","instructions":"x","dependsOn":["b"],"DependsOn":[]},{"id":"b","agent":"worker","instructions":"y"}]}
            """));

        Assert.Equal("The coordinator's reply gives the property 'DependsOn' more than once in an object.", ex.Message);
    }

    [Fact]
    public void An_id_or_property_name_with_a_line_break_in_the_reply_stays_on_one_line_of_the_message()
    {
        // A model's reply can hold any id ("\n" in its JSON): its problem was put in the message as it was.
        var ex = Assert.Throws<PlanValidationException>(() => CoordinatorPlanner.Parse("goal", """
            {"items":[{"id":"b\nc","agent":"worker","instructions":"y","dependsOn":"a"}]}
            """));
        Assert.Equal("Item 'b\\x0Ac' of the coordinator's plan has a dependsOn that is not an array of item ids.", ex.Message);
        Assert.Equal(["b\nc"], Assert.Single(ex.Problems).ItemIds);

        var twice = Assert.Throws<PlanValidationException>(() => CoordinatorPlanner.Parse("goal", """
            {"items":[{"a\u2028b":1,"a\u2028b":2}]}
            """));
        Assert.Equal("The coordinator's reply gives the property 'a\\u2028b' more than once in an object.", twice.Message);
    }
}
