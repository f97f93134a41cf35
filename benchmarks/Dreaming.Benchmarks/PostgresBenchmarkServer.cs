namespace Dreaming.Benchmarks;

/// <summary>The PostgreSQL server the PostgreSQL benchmarks use.</summary>
internal static class PostgresBenchmarkServer
{
    /// <summary>The connection string in <c>DREAMING_TEST_POSTGRES</c>, or the server <c>.ci/postgres start</c> runs
    /// (127.0.0.1:54329).</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("DREAMING_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : "Host=127.0.0.1;Port=54329;Username=dreaming;Database=postgres";
}
