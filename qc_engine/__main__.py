from qc_engine.cli import main

main()
