using System.Diagnostics;
using Npgsql;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>
/// A real PostgreSQL server for the tests that need one, and a fresh database per gateway. The server
/// is the one <c>ENCONTACT_TEST_POSTGRES</c> names (CI starts a throwaway cluster with
/// <c>.ci/postgres start</c> and exports it); without it, the same script is run here, which needs
/// the postgresql package. When neither works the tests fail and say how to fix it: never a skip.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "ENCONTACT_TEST_POSTGRES";

    private static readonly Lazy<Task<string>> Server = new(FindOrStartAsync);

    /// <summary>A new, empty database on the test server: its connection string, and how to drop it.</summary>
    public static async Task<(string ConnectionString, Func<Task> DropAsync)> CreateDatabaseAsync()
    {
        var server = await Server.Value;
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ToString();
        return (connectionString, async () =>
        {
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        });
    }

    private static async Task<string> FindOrStartAsync()
    {
        var server = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(server))
            server = await StartWithScriptAsync();
        try
        {
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
            return server;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"The PostgreSQL test server in {Variable} ({server}) does not answer: {e.Message}. " + HowTo, e);
        }
    }

    private const string HowTo =
        "Start a throwaway one with: eval \"$(.ci/postgres start)\" (needs the postgresql package: apt-get install postgresql), or set " + Variable + " to a server where the user may create databases.";

    /// <summary>Runs <c>.ci/postgres start</c> (it reuses a cluster it started before) and reads the connection string it prints.</summary>
    private static async Task<string> StartWithScriptAsync()
    {
        var script = Path.Combine(RepositoryRoot(), ".ci", "postgres");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, "start"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("could not run " + script);
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        const string prefix = "export " + Variable + "='";
        if (process.ExitCode != 0 || !output.Trim().StartsWith(prefix, StringComparison.Ordinal))
            throw new InvalidOperationException($"No PostgreSQL for the tests: {Variable} is not set and '{script} start' failed ({error.Trim()}). " + HowTo);
        return output.Trim()[prefix.Length..^1];
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "EnContact.Syndication.sln")))
                return folder.FullName;
        throw new InvalidOperationException("the repository (EnContact.Syndication.sln) is not above " + AppContext.BaseDirectory);
    }
}
