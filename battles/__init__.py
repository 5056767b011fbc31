"""Battles: arenas, contenders, battles, turns, generations, votes, matchmaking, streaming."""
