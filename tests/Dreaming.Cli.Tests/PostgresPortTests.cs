namespace Dreaming.Cli.Tests;

/// <summary>A PostgreSQL <c>--db</c> whose port is not a port (0, above 65535, not a number) is refused before any
/// connection, one line naming the port as written and never the password, exit code 1 as every other error; a URI's
/// <c>:0</c> was taken as no port at all, so the tool silently connected to 5432. None of these needs a server.</summary>
public class PostgresPortTests
{
    private const string Password = "hunter2-secret";

    [Theory]
    [InlineData("postgresql://app:" + Password + "@db:0/app", "port '0'")]
    [InlineData("postgresql://app:" + Password + "@db:70000/app", "port '70000'")]
    [InlineData("postgresql://app:" + Password + "@db:54x/app", "port '54x'")]
    [InlineData("postgres://app@[::1]:0/app", "port '0'")]
    [InlineData("Host=db;Port=0;Database=app;Password=" + Password, "Port '0'")]
    [InlineData("Host=db;Port=70000;Database=app;Password=" + Password, "Port '70000'")]
    [InlineData("Host=db;Port=-1;Database=app;Password=" + Password, "Port '-1'")]
    [InlineData("Host=db:0;Database=app;Password=" + Password, "port '0' of the host 'db'")]
    [InlineData("Host=db:70000;Database=app;Password=" + Password, "port '70000' of the host 'db'")]
    [InlineData("Server=a,db:abc;Database=app;Password=" + Password, "port 'abc' of the host 'db'")]
    [InlineData("Host=db:;Database=app;Password=" + Password, "port '' of the host 'db'")]
    [InlineData("Host=[::1]:0;Database=app;Password=" + Password, "port '0' of the host '[::1]'")]
    public async Task A_port_that_is_not_1_to_65535_is_refused_naming_it_before_connecting(string database, string named)
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("sessions", "--db", database);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Contains("1 to 65535", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", error, StringComparison.Ordinal);
    }

    // The message is the one line docs/cli.md quotes, not wrapped in "is not a valid PostgreSQL connection string: --db ...".
    [Fact]
    public async Task A_keyword_port_that_is_not_one_is_named_once_as_the_docs_quote()
    {
        using var cli = new CliRunner();

        var (exit, _, error) = await cli.RunAsync("sessions", "--db", "Host=db;Port=0;Database=app");

        Assert.Equal(1, exit);
        Assert.Equal("error: --db (or DREAMING_DB) has the Port '0', which is not a port: give a number from 1 to 65535 (left out, it is 5432).", error.TrimEnd());
    }

    [Theory]
    [InlineData("postgresql://app@db:5433/app", 5433)]
    [InlineData("postgresql://app@db/app", 5432)]
    [InlineData("postgresql://app@db:65535/app", 65535)]
    [InlineData("postgresql://app@db:1/app", 1)]
    public void A_URI_port_from_1_to_65535_is_taken_and_none_is_the_default(string database, int port) =>
        Assert.Equal(port, new Npgsql.NpgsqlConnectionStringBuilder(CliDatabase.Parse(database, null).ConnectionString).Port);

    [Theory]
    [InlineData("Host=db:5433;Database=app", "db:5433/app/dreaming")]
    [InlineData("Host=a,b:5433;Port=5434;Database=app", "a:5434,b:5433/app/dreaming")]
    [InlineData("Host=::1;Database=app", "[::1]:5432/app/dreaming")]
    [InlineData("Host=[::1]:5433;Database=app", "[::1]:5433/app/dreaming")]
    [InlineData("postgresql://app@[::1]:5433/app", "[::1]:5433/app/dreaming")]
    [InlineData("Host=db;Port=5433;Database=app", "db:5433/app/dreaming")]
    [InlineData("Host=db:+5433;Database=app", "db:+5433/app/dreaming")] // Npgsql reads it (int.Parse) and connects; the store takes it too
    public void A_host_with_a_port_of_its_own_or_an_IPv6_address_is_named_with_the_port_it_uses_set_apart(string database, string display) =>
        Assert.Equal(display, CliDatabase.Parse(database, null).Display);
}
