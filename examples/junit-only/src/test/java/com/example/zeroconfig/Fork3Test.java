package com.example.zeroconfig;

class Fork3Test extends AbstractFork {}
