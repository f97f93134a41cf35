namespace Dreaming.Core.Tests.Dreams.Mining;

public sealed class MiningOptionsTests
{
    public static TheoryData<Action<MiningOptions>, string> InvalidOptions => new()
    {
        { o => o.MinSupport = 0, nameof(MiningOptions.MinSupport) },
        { o => o.MinLift = 0.9, nameof(MiningOptions.MinLift) },
        { o => o.MinLift = double.NaN, nameof(MiningOptions.MinLift) },
        { o => o.SequenceFalseDiscoveryRate = 0, nameof(MiningOptions.SequenceFalseDiscoveryRate) },
        { o => o.SequenceFalseDiscoveryRate = 1.5, nameof(MiningOptions.SequenceFalseDiscoveryRate) },
        { o => o.MinRepeatedFailures = 1, nameof(MiningOptions.MinRepeatedFailures) },
        { o => o.MaxEvidence = 0, nameof(MiningOptions.MaxEvidence) },
        { o => o.MaxFindings = 0, nameof(MiningOptions.MaxFindings) },
        { o => o.MaxPatterns = -1, nameof(MiningOptions.MaxPatterns) },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task An_invalid_option_is_rejected_with_its_name(Action<MiningOptions> change, string optionName)
    {
        var options = new MiningOptions();
        change(options);

        var exception = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(optionName, exception.ParamName);
        Assert.Contains("MiningOptions." + optionName, exception.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => new FindingMiner().MineAsync(MiningSessions.Stream([]), options));
    }

    [Fact]
    public void The_defaults_are_valid() => new MiningOptions().Validate();

    [Fact]
    public async Task MaxFindings_and_MaxEvidence_cap_the_report()
    {
        var sessions = Enumerable.Range(0, 20).Select(i => MiningSessions.Failed($"f{i}")
            .Call("a", "{}", "Error: one").Call("b", "{}", "Error: two").Call("c", "{}", "Error: three"))
            .Append(MiningSessions.Succeeded("s"));

        var report = await MiningSessions.MineAsync(sessions, new MiningOptions { MaxFindings = 2, MaxEvidence = 3 });

        Assert.Equal(2, report.Findings.Count);
        Assert.All(report.Findings, f => Assert.Equal(3, f.Evidence.Count));
    }

    [Fact]
    public async Task MaxPatterns_bounds_the_patterns_counted_and_says_how_many_were_left_out()
    {
        var sessions = Enumerable.Range(0, 10).Select(i => MiningSessions.Failed($"f{i}").Call("t" + i, "{}", "Error: boom"));

        var report = await MiningSessions.MineAsync(sessions, new MiningOptions { MaxPatterns = 4, MinSupport = 1 });

        Assert.Equal(4, report.PatternsCounted);
        Assert.Equal(6, report.PatternOccurrencesNotCounted);
    }

    [Fact]
    public async Task Changing_the_options_during_the_mining_has_no_effect()
    {
        var options = new MiningOptions();
        var report = await new FindingMiner().MineAsync(Changing(options), options);

        Assert.Single(report.Findings);
    }

    private static async IAsyncEnumerable<SessionWithEvents> Changing(MiningOptions options)
    {
        for (var i = 0; i < 3; i++)
        {
            await Task.Yield();
            options.MinSupport = 50;
            yield return MiningSessions.Failed($"f{i}").Call("t", "{}", "Error: boom").Build();
        }

        yield return MiningSessions.Succeeded("s").Build();
    }

    [Fact]
    public void A_copy_carries_every_option_and_is_not_changed_by_later_changes_to_the_original()
    {
        // Every settable property set to a value other than its default, so an option a copy forgot would show.
        var options = new MiningOptions();
        var properties = typeof(MiningOptions).GetProperties().Where(p => p.CanWrite).ToList();
        foreach (var property in properties)
        {
            var value = property.GetValue(options);
            property.SetValue(options, value switch
            {
                int number => (object)(number + 7),
                double number => number / 2 + 0.5,
                _ => throw new InvalidOperationException($"MiningOptions.{property.Name} has a type this test does not vary."),
            });
        }

        var copy = options.Copy();
        foreach (var property in properties)
        {
            Assert.Equal(property.GetValue(options), property.GetValue(copy));
        }

        options.MinSupport++;
        Assert.NotEqual(options.MinSupport, copy.MinSupport);
    }
}
