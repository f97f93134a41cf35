namespace Dreaming.Tests.Orchestration;

/// <summary>How the outputs one prompt is given are shared out under <see cref="OrchestratorOptions.MaxDependencyOutputTotalLength"/>
/// and <see cref="OrchestratorOptions.MaxDependencyOutputLength"/>: the cases at the edges.</summary>
public sealed class DependencyOutputCutTests
{
    [Fact]
    public void One_huge_output_beside_199_tiny_ones_gets_all_the_tiny_ones_left_and_they_stay_whole()
    {
        var whole = Enumerable.Range(0, 199).Select(i => "tiny-" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)).Prepend(new string('h', 1_000_000)).ToArray();

        var given = CutTogether(whole, each: null, total: 400_000);

        Assert.All(given.Skip(1), (o, i) => Assert.Equal((whole[i + 1], (int?)null), (o.Output, o.OriginalLength)));
        var kept = 400_000 - (199 * 8);
        Assert.Equal(1_000_000, given[0].OriginalLength);
        Assert.StartsWith(new string('h', kept) + "\n[Cut by the orchestrator: the output of 'd0' is 1,000,000 characters long; only its first " + kept.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " are given here (OrchestratorOptions.MaxDependencyOutputTotalLength: 400,000 characters for the outputs of all 200 dependencies).", given[0].Output, StringComparison.Ordinal);
        Assert.Equal(400_000, given.Sum(o => o.OriginalLength is null ? o.Output.Length : o.Output.IndexOf("\n[Cut by", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_total_cut_that_would_fall_inside_a_surrogate_pair_keeps_one_character_fewer()
    {
        // 11 in all: the emoji's high surrogate is at index 4, the share of each of two 8-character outputs is 5.
        var emoji = "abcd\U0001F600ef";
        var given = CutTogether([emoji, "12345678"], each: null, total: 11);

        Assert.StartsWith("abcd\n[Cut by the orchestrator: the output of 'd0' is 8 characters long; only its first 4 are given here", given[0].Output, StringComparison.Ordinal);
        Assert.StartsWith("12345\n[Cut", given[1].Output, StringComparison.Ordinal);
        Assert.Equal((8, 8), (given[0].OriginalLength, given[1].OriginalLength));
    }

    [Theory]
    [InlineData(null, null, new[] { null, null, (object?)null })]
    [InlineData(100, null, new object?[] { 150, null, null })]
    [InlineData(null, 120, new object?[] { 150, 60, null })]
    [InlineData(100, 120, new object?[] { 150, 60, null })]
    [InlineData(100, 1_000, new object?[] { 150, null, null })]
    [InlineData(null, 1_000, new object?[] { null, null, null })]
    public void Each_limit_and_total_alone_together_or_neither_mark_the_outputs_they_cut(int? each, int? total, object?[] originalLengths)
    {
        string[] whole = [new string('l', 150), new string('f', 60), "short"];

        var given = CutTogether(whole, each, total);

        Assert.Equal(originalLengths.Select(o => (int?)o), given.Select(o => o.OriginalLength));
        for (var i = 0; i < whole.Length; i++)
        {
            // Whole exactly when not marked; a cut one starts with the whole's first characters and says so.
            if (given[i].OriginalLength is null)
            {
                Assert.Equal(whole[i], given[i].Output);
            }
            else
            {
                Assert.Contains("\n[Cut by the orchestrator: the output of 'd" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "' is " + whole[i].Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " characters long", given[i].Output, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_total_smaller_than_the_number_of_outputs_gives_each_cut_one_its_line_alone()
    {
        var given = CutTogether(["abc", "def", "ghi"], each: null, total: 2);

        Assert.All(given, o => Assert.StartsWith("\n[Cut by the orchestrator: the output of '", o.Output, StringComparison.Ordinal));
        Assert.All(given, o => Assert.Equal(3, o.OriginalLength));
    }

    private static WorkItemOutput[] CutTogether(string[] whole, int? each, int? total)
    {
        var shared = whole.Select((w, i) => DependencyOutputCut.Cut(w, each, "d" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "agent", "session-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        return DependencyOutputCut.CutTogether(shared, whole, [.. whole.Select((_, i) => "session-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))], each, total, "dependencies");
    }
}
