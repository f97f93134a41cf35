namespace Dreaming.Cli.Tests;

/// <summary><c>--db</c> takes a SQLite file or a PostgreSQL connection string (CliDatabase's rule), <c>--schema</c> the
/// schema; no message, help or output shows a password. None of these needs a PostgreSQL server (the tool on a real one is
/// tested in Dreaming.PostgreSql.Tests, Cli folder).</summary>
public class PostgresDatabaseArgumentTests
{
    private const string Password = "hunter2-secret";

    [Theory]
    [InlineData("dreaming.db", false)]
    [InlineData("/srv/app/data/dreaming.db", false)]
    [InlineData("data/a=b.db", false)]
    [InlineData("data/a=b;c.db", false)]
    [InlineData("/tmp/x;Host=y.db", false)]
    [InlineData("./Host=a", false)]
    [InlineData("Data Source=app.db", false)]
    [InlineData("postgres.db", false)]
    [InlineData("Host=db;Database=app;Username=app;Password=p", true)]
    [InlineData("host=db", true)]
    [InlineData(" Server = db ; Database = app", true)]
    [InlineData("Host=db;Password='a;b=c'", true)]
    [InlineData("Host=;Database=app", true)]
    [InlineData("Database=app;Username=app;Password=p", true)]
    [InlineData("postgresql://app:p@db:5433/app", true)]
    [InlineData("POSTGRES://db/app", true)]
    public void A_value_is_a_PostgreSQL_connection_string_only_by_the_documented_rule(string value, bool postgres)
    {
        Assert.Equal(postgres, CliDatabase.IsConnectionString(value));
        if (!value.StartsWith("Host=;", StringComparison.Ordinal) && !value.StartsWith("Database=", StringComparison.Ordinal))
        {
            Assert.Equal(postgres, CliDatabase.Parse(value, null).IsPostgres);
        }
    }

    [Theory]
    [InlineData("Host=db;Port=5433;Database=app;Username=app;Password=" + Password, null, "db:5433/app/dreaming")]
    [InlineData("Host=db;Database=app;Username=app", "app_staging", "db:5432/app/app_staging")]
    [InlineData("Host=db;Database=app;Schema=app_staging;Password=" + Password, null, "db:5432/app/app_staging")]
    [InlineData("Host=db;Database=app;Schema=app_staging", "app_staging", "db:5432/app/app_staging")]
    [InlineData("Host=db;Database=app;Search Path=elsewhere", null, "db:5432/app/dreaming")]
    [InlineData("Host=db;Username=app", null, "db:5432/app/dreaming")]
    [InlineData("postgresql://app:" + Password + "@db:5433/app?schema=s1&sslmode=require", null, "db:5433/app/s1")]
    [InlineData("postgres://app:p%40ss%3Bw@db/app%20db", null, "db:5432/app db/dreaming")]
    public void A_connection_string_names_its_database_as_host_port_database_schema(string value, string? schema, string display)
    {
        var database = CliDatabase.Parse(value, schema);

        Assert.Equal(display, database.Display);
        Assert.DoesNotContain("Schema=", database.ConnectionString, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Search Path", database.ConnectionString, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_URI_gives_Npgsql_its_user_password_and_settings_percent_decoded()
    {
        var database = CliDatabase.Parse("postgresql://app:p%40ss%3Bw@db:5433/app?sslmode=verify-full&application_name=ops&connect_timeout=7", null);
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString);

        Assert.Equal(("db", 5433, "app", "app", "p@ss;w"), (settings.Host, settings.Port, settings.Database, settings.Username, settings.Password));
        Assert.Equal((Npgsql.SslMode.VerifyFull, "ops", 7), (settings.SslMode, settings.ApplicationName, settings.Timeout));
    }

    [Theory]
    [InlineData("Host=db;Schema=Bad-Name;Password=" + Password, null, "The schema 'Bad-Name'")]
    [InlineData("Host=db;Password=" + Password, "1bad", "The schema '1bad'")]
    [InlineData("Host=db;Schema=a;Password=" + Password, "b", "--schema 'b' and the connection string's Schema 'a' differ")]
    [InlineData("Host=db;Colour=blue;Password=" + Password, null, "is not a valid PostgreSQL connection string")]
    [InlineData("Host=;Database=app;Password=" + Password, null, "has no Host")]
    [InlineData("Database=app;Username=app;Password=" + Password, null, "has no Host")]
    [InlineData("postgresql://app:" + Password + "@db/app?sslcert=x", null, "the parameter 'sslcert'")]
    [InlineData("postgresql://app:" + Password + "@/app", null, "cannot be read as one")]
    [InlineData("dreaming.db", "app", "--schema names a PostgreSQL schema, but --db (or DREAMING_DB) names a SQLite file")]
    public void A_bad_connection_string_or_schema_is_refused_naming_the_problem_never_the_password(string value, string? schema, string expected)
    {
        var refused = Assert.Throws<ArgumentException>(() => CliDatabase.Parse(value, schema));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_help_shows_a_connection_string_from_DREAMING_DB_as_host_port_database_schema_without_the_password()
    {
        using var cli = new CliRunner();
        cli.Environment["DREAMING_DB"] = $"Host=db.internal;Database=app;Username=app;Password={Password}";

        var (exit, help, _) = await cli.RunAsync("sessions", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("[default: PostgreSQL db.internal:5432/app/dreaming]", help, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_one_line_naming_host_database_and_schema_never_the_password()
    {
        using var cli = new CliRunner();
        var database = $"Host=127.0.0.1;Port=1;Database=app;Username=app;Password={Password};Timeout=5";

        foreach (var command in new[] { new[] { "sessions" }, ["memory", "list", "--agent", "a"], ["webhooks", "list", "--json"], ["report"] })
        {
            var (exit, output, error) = await cli.RunAsync([.. command, "--db", database, "--schema", "app_schema"]);

            Assert.Equal(1, exit);
            Assert.Equal(string.Empty, output);
            Assert.StartsWith("error: Cannot open the PostgreSQL database at '127.0.0.1:1/app/app_schema': ", error, StringComparison.Ordinal);
            Assert.Single(error.TrimEnd().Split('\n'));
            Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Orchestrate_on_a_server_it_cannot_reach_says_so_naming_the_database_before_running_anything()
    {
        using var cli = new CliRunner();
        var plan = cli.WriteFile("plan.json", """{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"i","agent":"w","instructions":"x"}]}""");

        var (exit, output, error) = await cli.RunAsync("orchestrate", "--plan", plan, "--db", $"Host=127.0.0.1;Port=1;Database=app;Username=app;Password={Password};Timeout=5");

        // Not "its error is in the log": the tool writes no log.
        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("error: Cannot ", error, StringComparison.Ordinal);
        Assert.Contains("'127.0.0.1:1/app/dreaming'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("log", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_command_that_opens_a_store_goes_to_the_schema_of_the_schema_option()
    {
        using var cli = new CliRunner();
        var database = $"Host=127.0.0.1;Port=1;Database=app;Username=app;Password={Password};Timeout=5";
        var log = cli.WriteFile("log.jsonl", """{"id":"a","messages":[{"role":"user","content":"hi"}]}""");
        var plan = cli.WriteFile("plan.json", """{"goal":"g","agents":[{"name":"w"}],"items":[{"id":"i","agent":"w","instructions":"x"}]}""");
        string[][] commands =
        [
            ["sessions"], ["sessions", "abandon", "--older-than", "1d"], ["session", "show", "a"], ["inspect", "a"], ["report"],
            ["purge", "--older-than", "1d"], ["dream", "--agent", "a"], ["runs", "--agent", "a"], ["memory", "list", "--agent", "a"],
            ["memory", "show", "--agent", "a"], ["memory", "diff", "mv-1", "mv-2"], ["memory", "approve", "mv-1"], ["memory", "reject", "mv-1"],
            ["memory", "rollback", "mv-1"], ["memory", "edit", "mv-1", "--add", "x"], ["webhooks", "list"], ["webhooks", "replay", "--all-dead"],
            ["webhooks", "drop-unrouted", "--older-than", "1d"], ["import", log], ["orchestrate", "--plan", plan], ["view", "--port", "0"],
        ];

        foreach (var command in commands)
        {
            var (exit, _, error) = await cli.RunAsync([.. command, "--db", database, "--schema", "other_schema"]);

            Assert.True(exit != 0, string.Join(' ', command));
            Assert.True(error.Contains("'127.0.0.1:1/app/other_schema'", StringComparison.Ordinal), string.Join(' ', command) + ": " + error);
        }
    }

    [Fact]
    public async Task Demo_refuses_a_PostgreSQL_database_and_purge_refuses_compact_on_one_before_connecting()
    {
        using var cli = new CliRunner();
        var database = $"Host=127.0.0.1;Port=1;Username=app;Password={Password}";

        var (demoExit, _, demoError) = await cli.RunAsync("demo", "--db", database);
        var (purgeExit, _, purgeError) = await cli.RunAsync("purge", "--older-than", "90d", "--compact", "--db", database);
        var (schemaExit, _, schemaError) = await cli.RunAsync("demo", "--schema", "app");
        cli.Environment["DREAMING_DB"] = database;
        var (variableExit, _, variableError) = await cli.RunAsync("demo");

        Assert.Equal(1, demoExit);
        Assert.Contains("'dreaming demo' writes simulated sessions and memory into a SQLite file", demoError, StringComparison.Ordinal);
        Assert.Equal(1, schemaExit);
        Assert.Contains("(nor --schema)", schemaError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "dreaming.db")) && schemaExit == 0);
        Assert.Equal(1, purgeExit);
        Assert.StartsWith("error: --compact rewrites a SQLite file (VACUUM); '127.0.0.1:1/app/dreaming' is a PostgreSQL schema", purgeError, StringComparison.Ordinal);
        Assert.Equal(1, variableExit);
        Assert.Contains("from DREAMING_DB ('PostgreSQL 127.0.0.1:1/app/dreaming')", variableError, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, demoError + purgeError + variableError, StringComparison.Ordinal);
    }
}
