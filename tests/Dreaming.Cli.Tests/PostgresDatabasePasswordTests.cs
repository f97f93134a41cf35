namespace Dreaming.Cli.Tests;

/// <summary>A <c>--db</c> value that holds a password is never taken for a SQLite file (whose full path messages and the
/// help show), however the rest of it is written, and a URI whose password breaks its syntax is refused without naming the
/// pieces it was cut into. None of these needs a PostgreSQL server.</summary>
public class PostgresDatabasePasswordTests
{
    private const string Password = "hunter2-secret";

    public static TheoryData<string> WithPasswords() => new()
    {
        // An apostrophe or a double quote inside an unquoted value is part of the value (ADO.NET's rule, which Npgsql reads).
        $"Host=127.0.0.1;Port=1;Username=app;Timeout=2;Password=it's-{Password}",
        $"Host=127.0.0.1;Port=1;Username=app;Timeout=2;Password=say\"{Password}",

        // Mistakes that Npgsql refuses naming a keyword, or a position: never a file name.
        $"Host=127.0.0.1;Port=1;Password={Password};application_name=ops",
        $"Host=127.0.0.1;Port=1;Password={Password};oops",
        $"Host=127.0.0.1;Port=1;Password='{Password}",

        // Npgsql's other names for the password.
        $"Database=app;Pwd={Password}",
        $"Database=app;PSW={Password}",
    };

    [Theory]
    [MemberData(nameof(WithPasswords))]
    public void A_value_with_a_password_is_a_connection_string(string value)
    {
        Assert.True(CliDatabase.IsConnectionString(value));
    }

    [Theory]
    [MemberData(nameof(WithPasswords))]
    public async Task No_message_nor_help_shows_the_password_of_a_value_with_one(string value)
    {
        using var cli = new CliRunner();

        var (exit, output, error) = await cli.RunAsync("sessions", "--db", value);
        cli.Environment["DREAMING_DB"] = value;
        var (_, help, _) = await cli.RunAsync("sessions", "--help");

        Assert.Equal(1, exit);
        Assert.DoesNotContain(Password, output + error + help, StringComparison.Ordinal);
        Assert.DoesNotContain(cli.Folder, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_apostrophe_inside_a_password_reaches_Npgsql_as_written()
    {
        var database = CliDatabase.Parse($"Host=db;Username=app;Password=it's-{Password}", null);

        Assert.Equal($"it's-{Password}", new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString).Password);
    }

    [Theory]
    [InlineData(@"C:\data\Password=x.db")]
    [InlineData(@"C:\Users\a b\dreaming.db")]
    [InlineData(@"..\data\Host=x;y.db")]
    [InlineData("data/it's;Host=x.db")]
    public void A_path_a_user_may_have_stays_a_path(string value)
    {
        Assert.False(CliDatabase.IsConnectionString(value));
    }
}
