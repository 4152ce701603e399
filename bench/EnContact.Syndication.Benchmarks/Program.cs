using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EnContact.Syndication.Benchmarks;

// Benchmarks, run by hand (see BENCHMARKS.md):
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- ingestion [--articles 10000] [--runs 5]
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- micro [BenchmarkDotNet arguments]

const string Usage = """
    Usage:
      ingestion [--articles N] [--runs R] [--warmup W] [--seed S] [--work DIR] [--keep]
          Import of N generated articles into an empty store, rescan of the N unchanged files and
          rescan after 1 % changed, against reading/hashing the files; prints a Markdown table.
          Defaults: 10000 articles, 5 runs, 1000 warm-up articles. Exit code 1 when a check fails.
      micro [BenchmarkDotNet arguments]
          Per-file cost of each ingestion step (parse, Markdown, sanitise, summary, hash), in-process.
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

switch (args[0])
{
    case "ingestion":
    {
        var options = new IngestionBenchmarkOptions();
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Count(int min) => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
                ? v : throw new ArgumentException($"{args[i - 1]} needs a whole number of at least {min}");
            try
            {
                options = args[i] switch
                {
                    "--articles" => options with { Articles = Count(1) },
                    "--runs" => options with { Runs = Count(1) },
                    "--warmup" => options with { WarmupArticles = Count(1) },
                    "--seed" => options with { Seed = Count(0) },
                    "--work" => options with { WorkFolder = Path.GetFullPath(Next()) },
                    "--keep" => options with { Keep = true },
                    _ => throw new ArgumentException($"unknown option {args[i]}"),
                };
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        return await new IngestionBenchmark(options, Console.Out).RunAsync(cancel.Token);
    }

    case "micro":
    {
        // In-process: no second build of the solution (other people build it concurrently); results go
        // to the temp folder, not the repository (BenchmarkDotNet's --artifacts option overrides this).
        var config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance))
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "encontact-bench-artifacts"));
        BenchmarkRunner.Run<ArticlePipelineBenchmarks>(config, args[1..]);
        return 0;
    }

    default:
        Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
        Console.Error.WriteLine(Usage);
        return 2;
}
