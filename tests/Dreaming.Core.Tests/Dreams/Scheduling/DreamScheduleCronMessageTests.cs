namespace Dreaming.Tests;

/// <summary>What a malformed cron expression's message says: the fields it has against the five it needs, and nothing a
/// terminal or grep cannot show.</summary>
public class DreamScheduleCronMessageTests
{
    private static readonly MemoryScope s_scope = MemoryScope.Agent("bot");

    [Theory]
    [InlineData("0 3 * *", 4)]
    [InlineData("0 3", 2)]
    [InlineData("3", 1)]
    [InlineData("0 0 3 * * *", 6)]
    [InlineData("  0   3  *  * ", 4)]
    public void A_cron_expression_with_the_wrong_number_of_fields_says_how_many_it_has_and_which_five_it_needs(string cron, int fields)
    {
        var schedule = new DreamSchedule { Scope = s_scope, Cron = cron };

        var ex = Assert.Throws<ArgumentException>(schedule.Validate);

        Assert.Contains($"DreamSchedule.Cron '{cron}' has {fields} field", ex.Message, StringComparison.Ordinal);
        Assert.Contains("minute hour day-of-month month day-of-week", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ex.Message, char.IsControl);
    }

    [Fact]
    public void Six_fields_say_that_seconds_are_not_taken()
    {
        var ex = Assert.Throws<ArgumentException>(new DreamSchedule { Scope = s_scope, Cron = "0 0 3 * * *" }.Validate);

        Assert.Contains("seconds", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 3 * * 1-")]
    [InlineData("0 3 * * MON-")]
    [InlineData("0 3 */ * *")]
    [InlineData("0 3 * * 8")]
    [InlineData("61 3 * * *")]
    [InlineData("0 3 * * 1,")]
    [InlineData("0 3 * * */")]
    [InlineData("0 3 * * MON/")]
    [InlineData("0 3 * 1- *")]
    public void A_malformed_field_is_refused_with_a_message_free_of_control_characters(string cron)
    {
        // Cronos says "Unexpected character '\0'" where a field ends early: the NUL made grep take the output for binary.
        var ex = Assert.Throws<ArgumentException>(new DreamSchedule { Scope = s_scope, Cron = cron }.Validate);

        Assert.Contains($"DreamSchedule.Cron '{cron}' is not a five-field cron expression", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ex.Message, char.IsControl);
        Assert.IsType<Cronos.CronFormatException>(ex.InnerException);
    }

    [Fact]
    public void A_control_character_in_the_expression_itself_is_shown_escaped()
    {
        var ex = Assert.Throws<ArgumentException>(new DreamSchedule { Scope = s_scope, Cron = "0 3 * *\0 *" }.Validate);

        Assert.Contains(@"'0 3 * *\u0000 *'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ex.Message, char.IsControl);
    }
}
