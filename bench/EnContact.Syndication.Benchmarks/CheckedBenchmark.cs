namespace EnContact.Syndication.Benchmarks;

/// <summary>What every benchmark mode shares: the checks it makes as it goes (exit code 1 when one fails) and the machine's load.</summary>
public abstract class CheckedBenchmark
{
    protected readonly List<string> _failures = [];

    protected int Fail()
    {
        foreach (var failure in _failures)
            Console.Error.WriteLine($"CHECK FAILED: {failure}");
        return 1;
    }

    /// <summary>Prints the checks that passed and the Markdown block to paste into BENCHMARKS.md; exit code 0.</summary>
    protected static int Succeed(TextWriter output, string checksPassed, string markdown)
    {
        output.WriteLine();
        output.WriteLine("All checks passed: " + checksPassed);
        output.WriteLine();
        output.WriteLine("----- Markdown for BENCHMARKS.md -----");
        output.WriteLine(markdown);
        output.WriteLine("----- end -----");
        return 0;
    }

    protected void Check(bool condition, string what)
    {
        if (!condition)
            _failures.Add(what);
    }

    /// <summary>Runs a mode until it ends or Ctrl-C (which cancels it cleanly instead of killing the process mid-write).</summary>
    public static async Task<int> RunInterruptiblyAsync(Func<CancellationToken, Task<int>> run)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        return await run(cancel.Token);
    }

    /// <summary>The 1, 5 and 15 minute load averages (the machine is shared: say how busy it was).</summary>
    protected static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
