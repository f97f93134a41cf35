using System.Globalization;

namespace Dreaming.Tests.Health;

/// <summary><see cref="IdList.Named"/>, the list of ids a log line, an exception, the health check and the CLI write: the
/// first few and how many more, never cut silently, its count written as the library writes numbers (1,001 on every
/// machine).</summary>
public sealed class IdListTests
{
    [Theory]
    [InlineData(0, "")]
    [InlineData(1, "a1")]
    [InlineData(5, "a1, a2, a3, a4, a5")]
    [InlineData(6, "a1, a2, a3, a4, a5 and 1 more")]
    [InlineData(7, "a1, a2, a3, a4, a5 and 2 more")]
    public void Names_the_first_five_and_says_how_many_more(int count, string expected)
    {
        var ids = Enumerable.Range(1, count).Select(i => "a" + i).ToArray();

        Assert.Equal(expected, IdList.Named(ids, IdList.Shown));
    }

    [Fact]
    public void Formats_only_the_ids_it_names()
    {
        var formatted = new List<string>();

        var named = IdList.Named(["a", "b", "c"], 2, id => { formatted.Add(id); return id.ToUpperInvariant(); });

        Assert.Equal("A, B and 1 more", named);
        Assert.Equal(["a", "b"], formatted);
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("tr-TR")]
    [InlineData("fr-FR")]
    public void Groups_the_thousands_of_how_many_more_with_commas_under_any_culture(string culture)
    {
        var ids = Enumerable.Range(1, 1_006).Select(i => "ses_" + i).ToArray();
        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            Assert.Equal("ses_1, ses_2, ses_3, ses_4, ses_5 and 1,001 more", IdList.Named(ids, IdList.Shown));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void Refuses_no_ids_and_naming_none()
    {
        Assert.Equal("ids", Assert.Throws<ArgumentNullException>(() => IdList.Named(null!, 5)).ParamName);
        var none = Assert.Throws<ArgumentOutOfRangeException>(() => IdList.Named(["a"], 0));
        Assert.Equal("shown", none.ParamName);
        Assert.Equal(0, none.ActualValue);
    }
}
