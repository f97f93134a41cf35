namespace Dreaming.Cli.Tests;

/// <summary>A <c>postgres://</c> URI's conversion into Npgsql's settings: percent-decoding, IPv6 hosts, and a password that
/// breaks the URI's syntax refused without any part of it in the message. None of these needs a PostgreSQL server.</summary>
public class PostgresUriTests
{
    private const string Password = "hunter2-secret";

    [Theory]
    [InlineData("postgresql://app:2024?Spring" + Password + "@db/app")]
    [InlineData("postgresql://app:2024#Spring" + Password + "@db/app")]
    [InlineData("postgresql://app:2024/Spring" + Password + "@db/app")]
    [InlineData("postgresql://app@db/app?sslmode=Spring" + Password + "@x")]
    [InlineData("postgresql://app:Spring@" + Password + "@db/app")]
    public void A_URI_whose_password_is_not_percent_encoded_is_refused_without_naming_any_part_of_it(string value)
    {
        var refused = Assert.Throws<ArgumentException>(() => CliDatabase.Parse(value, null));

        Assert.DoesNotContain("Spring", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, refused.Message, StringComparison.Ordinal);
        Assert.Contains("percent-encode", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_URI_user_with_an_encoded_colon_keeps_it()
    {
        var database = CliDatabase.Parse("postgresql://us%3Aer:p%3Aw%25d@db/app", null);
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString);

        Assert.Equal(("us:er", "p:w%d"), (settings.Username, settings.Password));
    }

    [Theory]
    [InlineData("postgresql://app@[::1]:5433/app", "::1", 5433)]
    [InlineData("postgresql://app@[2001:db8::7]/app", "2001:db8::7", 5432)]
    public void A_URI_with_an_IPv6_host_gives_Npgsql_an_address_it_reads(string value, string address, int port)
    {
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(CliDatabase.Parse(value, null).ConnectionString);

        Assert.True(System.Net.IPAddress.TryParse(settings.Host, out var host), settings.Host);
        Assert.Equal((System.Net.IPAddress.Parse(address), port), (host, settings.Port));
    }
}
